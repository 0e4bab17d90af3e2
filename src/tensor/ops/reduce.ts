/**
 * @file Reductions: sum, mean, max over axes, and sumToShape (the gradient of broadcasting).
 *
 * Order: the input is made dense, the reduced axes are grouped into runs of adjacent
 * axes, and each run is reduced as one axis by the backend's reduce kernel (16-lane order,
 * see backend.ts), runs from the last axis to the first. Summing [A,B,C] over axes [0,2]
 * therefore sums over C first, then over A.
 */
import { record } from '../autograd.ts';
import { expectDType } from '../dtype.ts';
import { numel, normalizeAxes, normalizeAxis, shapesEqual, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { empty } from './creation.ts';
import { contiguous } from './movement.ts';

/** Splits sorted axes into runs of consecutive axes: [0,1,3] -> [[0,1],[3]]. */
function axisRuns(axes: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  return runs;
}

/** Reduces one run of adjacent axes [first..last] of a dense tensor; no tape. */
function reduceRun(op: 'sum' | 'max', x: Tensor, first: number, last: number): Tensor {
  const outer = numel(x.shape.slice(0, first));
  const n = numel(x.shape.slice(first, last + 1));
  const inner = numel(x.shape.slice(last + 1));
  const shape = [...x.shape.slice(0, first), ...x.shape.slice(last + 1)];
  const out = empty(shape, { backend: x.backend });
  const src = (x.data as Float32Array).subarray(x.offset, x.offset + x.size);
  x.backend.reduce(op, out.data as Float32Array, src, outer, n, inner);
  return out;
}

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * Sum over `axes` (default: all). Gradient: the output gradient broadcast back.
 * @example x_BTC.sum(-1, true) // [B,T,1]
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  expectDType('sum', x.dtype, 'f32');
  const list = normalizeAxes(axes, x.ndim);
  let out = contiguous(x).detach();
  for (const run of axisRuns(list).reverse()) out = reduceRun('sum', contiguous(out), run[0]!, run[run.length - 1]!);
  const kept = keptShape(x.shape, list);
  if (keepDims) out = new Tensor(out.data, kept, out.backend, undefined, out.offset);
  return record(out, 'sum', [x], (g) => [g.reshape(kept).expand(x.shape)]);
}

/** Mean over `axes`: the sum, then one division by the element count. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.ndim);
  const count = numel(list.map((a) => x.shape[a]!));
  return sum(x, list, keepDims).div(count);
}

/**
 * Maximum along one axis. The gradient is shared equally by all elements equal to the
 * maximum (PyTorch picks one of them; ties do not occur in continuous data).
 */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  expectDType('max', x.dtype, 'f32');
  const ax = normalizeAxis(axis, x.ndim);
  const reduced = reduceRun('max', contiguous(x).detach(), ax, ax);
  const kept = keptShape(x.shape, [ax]);
  const outKept = new Tensor(reduced.data, kept, reduced.backend);
  const out = keepDims ? outKept : reduced;
  return record(out, 'max', [x], (g) => {
    const isMax = x.eq(outKept.expand(x.shape));
    return [g.reshape(kept).mul(isMax).div(isMax.sum(ax, true))];
  });
}

/** Sums a broadcast gradient back to the shape of the operand that was broadcast. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return sum(g, axes, true).reshape(shape);
}

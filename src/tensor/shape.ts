/**
 * @file Shape arithmetic: element counts, strides, broadcasting, axis normalisation.
 * Everything here is plain integer math on `readonly number[]`.
 */
import { IndexOutOfRangeError, ShapeError } from './errors.ts';

export type Shape = readonly number[];

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a dense tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ShapeError unless every dimension is a non-negative integer. */
export function checkShape(shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${what} ${fmtShape(shape)}: dimensions must be non-negative integers`);
  }
}

/** NumPy broadcasting: align from the right; each pair of dims must match or contain a 1. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`cannot broadcast ${fmtShape(a)} with ${fmtShape(b)}: dim ${i} is ${da} vs ${db}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Maps a possibly negative axis into [0, ndim). */
export function normalizeAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new IndexOutOfRangeError(`axis ${axis} is out of range for a tensor with ${ndim} dims`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises, de-duplicates and sorts a list of axes (undefined = all axes). */
export function normalizeAxes(axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, ndim)))];
  if (out.length !== list.length) throw new ShapeError(`repeated axis in [${list.join(',')}]`);
  return out.sort((x, y) => x - y);
}

/** Resolves one `-1` in a reshape target from the element count. */
export function resolveReshape(from: Shape, to: Shape): number[] {
  const total = numel(from);
  const unknown = to.indexOf(-1);
  if (to.lastIndexOf(-1) !== unknown) throw new ShapeError(`reshape ${fmtShape(to)}: at most one -1 allowed`);
  const out = [...to];
  if (unknown >= 0) {
    const known = numel(to.filter((_, i) => i !== unknown));
    if (known === 0 || total % known !== 0) {
      throw new ShapeError(`cannot reshape ${fmtShape(from)} (${total} elements) to ${fmtShape(to)}`);
    }
    out[unknown] = total / known;
  }
  checkShape(out, 'reshape target');
  if (numel(out) !== total) {
    throw new ShapeError(`cannot reshape ${fmtShape(from)} (${total} elements) to ${fmtShape(to)} (${numel(out)} elements)`);
  }
  return out;
}

/**
 * @file Creating tensors: from values, constant fills, ranges, masks.
 * f32 values are rounded to f32 on the way in (the engine never sees float64).
 */
import type { Backend } from '../backend/backend.ts';
import type { DType, Storage } from '../dtype.ts';
import { DTypeError, ShapeError } from '../errors.ts';
import { checkShape, fmtShape, numel, type Shape } from '../shape.ts';
import { getDefaultBackend, Tensor } from '../tensor.ts';

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

type Nested = number | readonly Nested[];

function inferShape(values: Nested): number[] {
  const shape: number[] = [];
  let v: Nested = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = (v as readonly Nested[])[0] ?? 0;
  }
  return shape;
}

function flatten(values: Nested, out: number[]): void {
  if (typeof values === 'number') out.push(values);
  else for (const v of values) flatten(v, out);
}

/** Writes `values` into a fresh buffer, checking count and (for i32) integrality. */
function fill(values: ArrayLike<number>, shape: Shape, dtype: DType, backend: Backend): Storage {
  checkShape(shape);
  if (values.length !== numel(shape)) {
    throw new ShapeError(`${values.length} values do not fill shape ${fmtShape(shape)} (${numel(shape)} elements)`);
  }
  const data = backend.alloc(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (dtype === 'i32' && (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)) {
      throw new DTypeError(`value ${v} at index ${i} is not a 32-bit integer`);
    }
    data[i] = v;
  }
  return data;
}

/**
 * A tensor from nested arrays or a flat array plus a shape.
 * @example tensor([[1, 2], [3, 4]]) // f32 [2,2]
 * @example tensor(new Int32Array([5, 7]), [2, 1], { dtype: 'i32' })
 */
export function tensor(values: Nested | ArrayLike<number>, shape?: Shape, opts: CreateOptions = {}): Tensor {
  const backend = opts.backend ?? getDefaultBackend();
  const dtype = opts.dtype ?? (values instanceof Int32Array ? 'i32' : 'f32');
  let flat: ArrayLike<number>;
  let inferred: Shape;
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (Array.isArray(values) && values.some((v) => Array.isArray(v))) {
    const list: number[] = [];
    flatten(values as Nested, list);
    flat = list;
    inferred = inferShape(values as Nested);
  } else {
    flat = values as ArrayLike<number>;
    inferred = [flat.length];
  }
  return new Tensor(fill(flat, shape ?? inferred, dtype, backend), shape ?? inferred, backend);
}

/** A 0-d tensor holding one value. */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return tensor([value], [], opts);
}

/** An uninitialised tensor for an op to write its whole output into. */
export function empty(shape: Shape, opts: CreateOptions = {}): Tensor {
  const backend = opts.backend ?? getDefaultBackend();
  return new Tensor(backend.alloc(opts.dtype ?? 'f32', numel(shape), true), shape, backend);
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  const backend = opts.backend ?? getDefaultBackend();
  checkShape(shape);
  const data = backend.alloc(opts.dtype ?? 'f32', numel(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape, backend);
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Same shape, dtype and backend as `like`, filled with `value`. */
export function fullLike(like: Tensor, value: number): Tensor {
  return full(like.shape, value, { dtype: like.dtype, backend: like.backend });
}

/** [start, start+1, ..., end-1]; i32 unless another dtype is asked for. */
export function arange(start: number, end: number, opts: CreateOptions = {}): Tensor {
  const n = Math.max(0, Math.ceil(end - start));
  return tensor(Array.from({ length: n }, (_, i) => start + i), [n], { dtype: 'i32', ...opts });
}

/** [T, T] f32 mask with 1 where key position j <= query position i (causal attention). */
export function causalMask(T: number, opts: CreateOptions = {}): Tensor {
  const values = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) values[i * T + j] = 1;
  return tensor(values, [T, T], { ...opts, dtype: 'f32' });
}

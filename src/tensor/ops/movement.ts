/**
 * @file Views and copies: reshape, permute, transpose, slice, expand, contiguous, clone.
 * Views share their source's buffer and only change shape, strides and offset.
 */
import { record } from '../autograd.ts';
import { isDense } from '../backend/strided.ts';
import { IndexOutOfRangeError, ShapeError } from '../errors.ts';
import { contiguousStrides, fmtShape, normalizeAxis, resolveReshape, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { empty, zeros } from './creation.ts';
import { sumToShape } from './reduce.ts';

function view(src: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(src.data, shape, src.backend, strides, offset);
}

/** A dense copy of `x` (always a new buffer). */
export function clone(x: Tensor): Tensor {
  const out = empty(x.shape, { dtype: x.dtype, backend: x.backend });
  x.backend.copy(out, x);
  return record(out, 'clone', [x], (g) => [g]);
}

/**
 * The elements of `x` as one dense buffer in row-major order, for kernels: a subarray of
 * x's own buffer when x is dense, else a fresh copy. No tape is recorded.
 */
export function denseData(x: Tensor): Tensor['data'] {
  if (isDense(x)) return x.data.subarray(x.offset, x.offset + x.size);
  const out = x.backend.alloc(x.dtype, x.size);
  x.backend.copy({ data: out, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 }, x);
  return out;
}

/** `x` itself when already dense in row-major order, else a dense copy. */
export function contiguous(x: Tensor): Tensor {
  return isDense(x) ? x : clone(x);
}

/**
 * Same elements in a new shape (one dim may be -1). A view when `x` is dense, else a copy.
 * @example arange(0, 6).reshape([2, -1]) // [2,3]
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = resolveReshape(x.shape, shape);
  const dense = contiguous(x);
  const out = view(dense, target, contiguousStrides(target), dense.offset);
  return record(out, 'reshape', [dense], (g) => [g.reshape(dense.shape)]);
}

/** Reorders axes: out.shape[i] = x.shape[order[i]]. */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  const axes = order.map((a) => normalizeAxis(a, x.ndim));
  if (axes.length !== x.ndim || new Set(axes).size !== x.ndim) {
    throw new ShapeError(`permute [${order.join(',')}] is not a permutation of ${x.ndim} axes`);
  }
  const out = view(x, axes.map((a) => x.shape[a]!), axes.map((a) => x.strides[a]!), x.offset);
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return record(out, 'permute', [x], (g) => [g.permute(inverse)]);
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const order = Array.from({ length: x.ndim }, (_, i) => i);
  const a = normalizeAxis(axis0, x.ndim);
  const b = normalizeAxis(axis1, x.ndim);
  [order[a], order[b]] = [order[b]!, order[a]!];
  return permute(x, order);
}

/** Elements start..end-1 along one axis (0 <= start <= end <= dim). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normalizeAxis(axis, x.ndim);
  const dim = x.shape[ax]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > dim || start > end) {
    throw new IndexOutOfRangeError(`slice ${start}:${end} is out of range for axis ${ax} of size ${dim} in ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (i === ax ? end - start : d));
  const out = view(x, shape, x.strides, x.offset + start * x.strides[ax]!);
  return record(out, 'slice', [x], (g) => {
    // The gradient is zero outside the slice: copy g into the slice's window of zeros.
    const full = zeros(x.shape, { backend: x.backend });
    x.backend.copy(view(full, shape, full.strides, start * full.strides[ax]!), g);
    return [full];
  });
}

/**
 * Broadcasts `x` to `shape` without copying (NumPy rules; new axes on the left).
 * @example tensor([1, 2, 3]).expand([2, 3])
 */
export function expand(x: Tensor, shape: Shape): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new ShapeError(`cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const strides = shape.map((d, i) => {
    const src = i - lead;
    if (src < 0) return 0;
    const sd = x.shape[src]!;
    if (sd === d) return x.strides[src]!;
    if (sd === 1) return 0;
    throw new ShapeError(`cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}: dim ${i} is ${sd}, not 1 or ${d}`);
  });
  const out = view(x, shape, strides, x.offset);
  return record(out, 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

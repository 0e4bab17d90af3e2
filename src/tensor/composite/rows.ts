/**
 * @file Shared plumbing of the fused row ops: a tensor seen as dense [rows, n] over its
 * last axis, as the backend's fused kernels expect.
 */
import { expectDType } from '../dtype.ts';
import { denseData } from '../ops/movement.ts';
import type { Tensor } from '../tensor.ts';

export interface Rows {
  data: Float32Array;
  rows: number;
  n: number;
}

export function asRows(op: string, x: Tensor): Rows {
  expectDType(op, x.dtype, 'f32');
  const n = x.shape[x.ndim - 1] ?? 1;
  return { data: denseData(x) as Float32Array, rows: n === 0 ? 0 : x.size / n, n };
}

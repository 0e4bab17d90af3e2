/**
 * @file Indexing by integer tensors: row gather (embedding lookup) and its scatter-add
 * gradient, and `pick` (one element per row, used by cross-entropy).
 */
import { record } from '../autograd.ts';
import { expectDType } from '../dtype.ts';
import { IndexOutOfRangeError, ShapeError } from '../errors.ts';
import { fmtShape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { empty, tensor, zeros } from './creation.ts';
import { checkSameBackend } from './elementwise.ts';
import { contiguous } from './movement.ts';

function checkIndices(idx: Int32Array, limit: number, what: string): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= limit) throw new IndexOutOfRangeError(`${what}: index ${v} at position ${i} is outside [0, ${limit})`);
  }
}

/**
 * out[..., :] = table[idx[...], :]: an embedding lookup.
 * Gradient: scatter-add of the output gradient into the table's rows, in increasing
 * position order, so repeated indices always add in the same order.
 * @example gatherRows(wte_VC, tokens_BT) // x_BTC
 */
export function gatherRows(table: Tensor, idx: Tensor): Tensor {
  checkSameBackend('gatherRows', table, idx);
  expectDType('gatherRows table', table.dtype, 'f32');
  expectDType('gatherRows indices', idx.dtype, 'i32');
  if (table.ndim !== 2) throw new ShapeError(`gatherRows: table must be 2-D [V, C], got ${fmtShape(table.shape)}`);
  const [V, C] = table.shape as [number, number];
  const denseIdx = contiguous(idx);
  const flatIdx = (denseIdx.data as Int32Array).subarray(denseIdx.offset, denseIdx.offset + denseIdx.size);
  checkIndices(flatIdx, V, `gatherRows into ${fmtShape(table.shape)}`);
  const dense = contiguous(table);
  const rows = (dense.data as Float32Array).subarray(dense.offset, dense.offset + dense.size);
  const shape = [...idx.shape, C];
  const out = empty(shape, { backend: table.backend });
  table.backend.gather(out.data as Float32Array, rows, flatIdx, C);
  return record(out, 'gatherRows', [table, idx], (g) => {
    const acc = zeros([V, C], { backend: table.backend });
    const gd = contiguous(g);
    table.backend.scatterAdd(acc.data as Float32Array, flatIdx, (gd.data as Float32Array).subarray(gd.offset, gd.offset + gd.size), C);
    return [acc, null];
  });
}

/**
 * out[...] = x[..., idx[...]]: one element of each last-axis row.
 * @example pick(logProbs_NV, targets_N) // logp of each target, [N]
 */
export function pick(x: Tensor, idx: Tensor): Tensor {
  expectDType('pick indices', idx.dtype, 'i32');
  const V = x.shape[x.ndim - 1] ?? 0;
  const rowShape = x.shape.slice(0, -1);
  if (x.ndim < 1 || rowShape.length !== idx.ndim || rowShape.some((d, i) => d !== idx.shape[i])) {
    throw new ShapeError(`pick: indices ${fmtShape(idx.shape)} must match the leading dims of ${fmtShape(x.shape)}`);
  }
  const local = contiguous(idx).toArray() as Int32Array;
  checkIndices(local, V, `pick from ${fmtShape(x.shape)}`);
  // Row n's element idx[n] is element n*V + idx[n] of x seen as [N*V, 1].
  const flat = new Int32Array(local.length);
  for (let n = 0; n < local.length; n++) flat[n] = n * V + local[n]!;
  const flatIdx = tensor(flat, [flat.length], { dtype: 'i32', backend: x.backend });
  return gatherRows(x.reshape([-1, 1]), flatIdx).reshape(rowShape);
}

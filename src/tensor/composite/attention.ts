/**
 * @file Causal scaled dot-product attention: two batched matmuls around the fused
 * scaled causal softmax. Shapes: B batch, H heads, T positions, D head width.
 */
import { ShapeError } from '../errors.ts';
import { fmtShape, shapesEqual } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { causalSoftmax } from './softmax.ts';

/**
 * softmax(mask(q k^T / sqrt(D))) v, where position t attends to positions <= t.
 * @example causalSelfAttention(q_BHTD, k_BHTD, v_BHTD) // y_BHTD
 */
export function causalSelfAttention(q_BHTD: Tensor, k_BHTD: Tensor, v_BHTD: Tensor): Tensor {
  if (q_BHTD.ndim !== 4 || !shapesEqual(q_BHTD.shape, k_BHTD.shape) || !shapesEqual(q_BHTD.shape, v_BHTD.shape)) {
    throw new ShapeError(`attention needs q, k, v of one shape [B,H,T,D], got ${fmtShape(q_BHTD.shape)}, ${fmtShape(k_BHTD.shape)}, ${fmtShape(v_BHTD.shape)}`);
  }
  const D = q_BHTD.shape[3]!;
  const scores_BHTT = q_BHTD.matmul(k_BHTD.transpose());
  return causalSoftmax(scores_BHTT, 1 / Math.sqrt(D)).matmul(v_BHTD);
}

/**
 * @file Causal scaled dot-product attention, composed from primitives.
 * Shapes: B batch, H heads, T positions, D head width.
 */
import { causalMask } from '../ops/creation.ts';
import { where } from '../ops/elementwise.ts';
import { ShapeError } from '../errors.ts';
import { fmtShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { softmax } from './softmax.ts';

/**
 * softmax(mask(q k^T / sqrt(D))) v, where position t attends to positions <= t.
 * @example causalSelfAttention(q_BHTD, k_BHTD, v_BHTD) // y_BHTD
 */
export function causalSelfAttention(q_BHTD: Tensor, k_BHTD: Tensor, v_BHTD: Tensor): Tensor {
  if (q_BHTD.ndim !== 4 || fmtShape(q_BHTD.shape) !== fmtShape(k_BHTD.shape) || fmtShape(q_BHTD.shape) !== fmtShape(v_BHTD.shape)) {
    throw new ShapeError(`attention needs q, k, v of one shape [B,H,T,D], got ${fmtShape(q_BHTD.shape)}, ${fmtShape(k_BHTD.shape)}, ${fmtShape(v_BHTD.shape)}`);
  }
  const [, , T, D] = q_BHTD.shape as [number, number, number, number];
  const scores_BHTT = q_BHTD.matmul(k_BHTD.transpose()).mul(1 / Math.sqrt(D));
  const masked_BHTT = where(causalMask(T, { backend: q_BHTD.backend }), scores_BHTT, -Infinity);
  return softmax(masked_BHTT, -1).matmul(v_BHTD);
}

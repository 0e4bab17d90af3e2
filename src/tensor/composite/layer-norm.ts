/**
 * @file Layer normalisation over the last axis, composed from primitives.
 * mean = sum/C, var = sum((x-mean)^2)/C (biased, as PyTorch), y = (x-mean)*rsqrt(var+eps)*w + b.
 */
import type { Tensor } from '../tensor.ts';

/** @example layerNorm(x_BTC, ln1_w_C, ln1_b_C) */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const centered = x.sub(x.mean(-1, true));
  const variance = centered.square().mean(-1, true);
  return centered.mul(variance.add(eps).rsqrt()).mul(weight).add(bias);
}

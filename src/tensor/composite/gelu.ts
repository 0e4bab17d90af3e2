/**
 * @file GELU, tanh approximation (GPT-2's, PyTorch approximate='tanh'):
 * 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))), in that operation order.
 */
import type { Tensor } from '../tensor.ts';

const SQRT_2_OVER_PI = Math.fround(Math.sqrt(2 / Math.PI));

/** @example gelu(h_BT4C) */
export function gelu(x: Tensor): Tensor {
  const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI);
  return x.mul(0.5).mul(inner.tanh().add(1));
}

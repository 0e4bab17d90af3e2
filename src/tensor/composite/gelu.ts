/**
 * @file GELU, tanh approximation (GPT-2's, PyTorch approximate='tanh'), fused:
 * 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))); reference-fused.ts gives the
 * exact operation order of the forward and of the derivative.
 */
import { record } from '../autograd.ts';
import { expectDType } from '../dtype.ts';
import { empty } from '../ops/creation.ts';
import { denseData } from '../ops/movement.ts';
import type { Tensor } from '../tensor.ts';

/** @example gelu(h_BT4C) */
export function gelu(x: Tensor): Tensor {
  expectDType('gelu', x.dtype, 'f32');
  const data = denseData(x) as Float32Array;
  const out = empty(x.shape, { backend: x.backend });
  x.backend.gelu(out.data as Float32Array, data);
  return record(out, 'gelu', [x], (g) => {
    const dx = empty(x.shape, { backend: x.backend });
    x.backend.geluBackward(dx.data as Float32Array, data, denseData(g) as Float32Array);
    return [dx];
  });
}

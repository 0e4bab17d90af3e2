/**
 * @file Layer normalisation over the last axis, fused (reference-fused.ts defines it):
 * mean = sum/C, var = sum((x-mean)^2)/C (biased, as PyTorch), y = (x-mean)*rstd*w + b
 * with rstd = 1/sqrt(var + eps). The per-row mean and rstd are kept for backward.
 */
import { record } from '../autograd.ts';
import { ShapeError } from '../errors.ts';
import { empty } from '../ops/creation.ts';
import { denseData } from '../ops/movement.ts';
import { fmtShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { asRows } from './rows.ts';

/** @example layerNorm(x_BTC, ln1_w_C, ln1_b_C) */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const C = x.shape[x.ndim - 1];
  if (weight.ndim !== 1 || bias.ndim !== 1 || weight.shape[0] !== C || bias.shape[0] !== C) {
    throw new ShapeError(`layerNorm of ${fmtShape(x.shape)} needs weight and bias [${C}], got ${fmtShape(weight.shape)} and ${fmtShape(bias.shape)}`);
  }
  const { data, rows, n } = asRows('layerNorm', x);
  const w = denseData(weight) as Float32Array;
  const b = denseData(bias) as Float32Array;
  const backend = x.backend;
  const out = empty(x.shape, { backend });
  const mean = backend.alloc('f32', rows) as Float32Array;
  const rstd = backend.alloc('f32', rows) as Float32Array;
  backend.layerNorm(out.data as Float32Array, mean, rstd, data, w, b, rows, n, Math.fround(eps));
  return record(out, 'layerNorm', [x, weight, bias], (g) => {
    const dx = empty(x.shape, { backend });
    const dw = empty(weight.shape, { backend });
    const db = empty(bias.shape, { backend });
    backend.layerNormBackward(dx.data as Float32Array, dw.data as Float32Array, db.data as Float32Array, data, w, mean, rstd, denseData(g) as Float32Array, rows, n);
    return [dx, dw, db];
  });
}

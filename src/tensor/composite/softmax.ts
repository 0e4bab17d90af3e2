/**
 * @file softmax and logSoftmax as fused ops: one backend kernel each way, defined bit for
 * bit by backend/reference-fused.ts. The row maximum is subtracted first, so exp never
 * overflows. Other axes than the last are moved last with a (differentiable) transpose.
 */
import { record } from '../autograd.ts';
import { empty } from '../ops/creation.ts';
import { ShapeError } from '../errors.ts';
import { fmtShape, normalizeAxis } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { asRows } from './rows.ts';

type RowKernel = 'softmax' | 'logSoftmax';

function rowOp(kernel: RowKernel, x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.ndim);
  if (ax !== x.ndim - 1) return rowOp(kernel, x.transpose(ax, -1), -1).transpose(ax, -1);
  const { data, rows, n } = asRows(kernel, x);
  const out = empty(x.shape, { backend: x.backend });
  const y = out.data as Float32Array;
  x.backend[kernel](y, data, rows, n);
  return record(out, kernel, [x], (g) => {
    const dx = empty(x.shape, { backend: x.backend });
    const gRows = asRows(kernel, g).data;
    if (kernel === 'softmax') x.backend.softmaxBackward(dx.data as Float32Array, y, gRows, rows, n);
    else x.backend.logSoftmaxBackward(dx.data as Float32Array, y, gRows, rows, n);
    return [dx];
  });
}

/**
 * exp(x - max) / sum(exp(x - max)) along `axis`.
 * @example softmax(att_BHTT, -1)
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return rowOp('softmax', x, axis);
}

/** (x - max) - log(sum(exp(x - max))) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return rowOp('logSoftmax', x, axis);
}

/**
 * softmax(x * scale) over the last axis of attention scores [..., T, T], with query t
 * seeing only keys 0..t (exactly +0 elsewhere). Bit-identical to scaling, masking with
 * -Infinity and a plain softmax, in one kernel each way.
 * @example causalSoftmax(q_BHTD.matmul(k_BHTD.transpose()), 1 / Math.sqrt(D))
 */
export function causalSoftmax(scores: Tensor, scale: number): Tensor {
  const T = scores.shape[scores.ndim - 1];
  if (scores.ndim < 2 || scores.shape[scores.ndim - 2] !== T) {
    throw new ShapeError(`causalSoftmax needs scores [..., T, T], got ${fmtShape(scores.shape)}`);
  }
  const { data, rows, n } = asRows('causalSoftmax', scores);
  const s = Math.fround(scale);
  const out = empty(scores.shape, { backend: scores.backend });
  const y = out.data as Float32Array;
  scores.backend.causalSoftmax(y, data, rows, n, s);
  return record(out, 'causalSoftmax', [scores], (g) => {
    const dx = empty(scores.shape, { backend: scores.backend });
    scores.backend.causalSoftmaxBackward(dx.data as Float32Array, y, asRows('causalSoftmax', g).data, rows, n, s);
    return [dx];
  });
}

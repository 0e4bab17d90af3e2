/**
 * @file Cross-entropy with integer targets, fused: the per-row negative log-likelihood
 * comes from one kernel (no log-softmax tensor is kept), then the mean over rows.
 */
import { record } from '../autograd.ts';
import { expectDType } from '../dtype.ts';
import { IndexOutOfRangeError, ShapeError } from '../errors.ts';
import { empty } from '../ops/creation.ts';
import { denseData } from '../ops/movement.ts';
import { fmtShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { asRows } from './rows.ts';

/** Per-position negative log-likelihood of `targets` under softmax(logits), shape of targets. */
export function nllRows(logits: Tensor, targets: Tensor): Tensor {
  expectDType('crossEntropy targets', targets.dtype, 'i32');
  const lead = logits.shape.slice(0, -1);
  if (logits.ndim < 1 || lead.length !== targets.ndim || lead.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(`crossEntropy: targets ${fmtShape(targets.shape)} must match the leading dims of logits ${fmtShape(logits.shape)}`);
  }
  const { data, rows, n } = asRows('crossEntropy', logits);
  const t = denseData(targets) as Int32Array;
  for (let r = 0; r < rows; r++) {
    if (t[r]! < 0 || t[r]! >= n) throw new IndexOutOfRangeError(`crossEntropy: target ${t[r]} at position ${r} is outside [0, ${n})`);
  }
  const out = empty(targets.shape, { backend: logits.backend });
  logits.backend.crossEntropy(out.data as Float32Array, data, t, rows, n);
  return record(out, 'crossEntropy', [logits, targets], (g) => {
    const dx = empty(logits.shape, { backend: logits.backend });
    logits.backend.crossEntropyBackward(dx.data as Float32Array, data, t, denseData(g) as Float32Array, rows, n);
    return [dx, null];
  });
}

/**
 * Mean negative log-likelihood of `targets` under `logits` (softmax over the last axis).
 * @example crossEntropy(logits_BTV, targets_BT) // scalar loss
 */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return nllRows(logits, targets).mean();
}

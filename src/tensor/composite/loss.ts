/**
 * @file Cross-entropy with integer targets.
 */
import { pick } from '../ops/gather.ts';
import type { Tensor } from '../tensor.ts';
import { logSoftmax } from './softmax.ts';

/**
 * Mean negative log-likelihood of `targets` under `logits` (softmax over the last axis).
 * @example crossEntropy(logits_BTV, targets_BT) // scalar loss
 */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return pick(logSoftmax(logits, -1), targets).mean().neg();
}

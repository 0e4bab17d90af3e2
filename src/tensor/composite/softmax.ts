/**
 * @file softmax and logSoftmax, composed from primitives. The row maximum is subtracted
 * first (detached: the result does not depend on it) so exp never overflows.
 */
import type { Tensor } from '../tensor.ts';

/**
 * exp(x - max) / sum(exp(x - max)) along `axis`.
 * @example softmax(att_BHTT, -1)
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = x.sub(x.max(axis, true).detach()).exp();
  return e.div(e.sum(axis, true));
}

/** (x - max) - log(sum(exp(x - max))) along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const z = x.sub(x.max(axis, true).detach());
  return z.sub(z.exp().sum(axis, true).log());
}

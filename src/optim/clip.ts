/**
 * @file Global-norm gradient clipping over the flat gradient buffer, in the contract's
 * 16-lane summation order (docs/numerics.md), so every machine computes the same norm.
 */
const f = Math.fround;
const LANES = 16;

/** sqrt(sum g^2) over the whole buffer: lane i % 16 sums g_i^2 in increasing i, lanes fold 8-4-2-1. */
export function globalNorm(grads: Float32Array): number {
  const lanes = new Float64Array(LANES);
  for (let i = 0; i < grads.length; i++) lanes[i % LANES] = f(lanes[i % LANES]! + f(grads[i]! * grads[i]!));
  for (let width = LANES / 2; width >= 1; width /= 2) {
    for (let j = 0; j < width; j++) lanes[j] = f(lanes[j]! + lanes[j + width]!);
  }
  return f(Math.sqrt(lanes[0]!));
}

/**
 * Scales `grads` in place so their global norm is at most `maxNorm` (PyTorch's
 * clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), only when below 1). Returns the
 * norm before clipping. A NaN or infinite norm is returned unchanged and nothing is scaled:
 * the caller decides what to do with a broken step.
 * @example const norm = clipGradNorm(grads, 1.0);
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return norm;
  const coef = f(f(maxNorm) / f(norm + f(1e-6)));
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i] = f(grads[i]! * coef);
  return norm;
}

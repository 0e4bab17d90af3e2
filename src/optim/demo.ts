/**
 * @file DeMo (Peng, Quesnelle, Kingma 2024; bloc97/DeMo) as pure updates over flat buffers.
 *
 * Each worker keeps its own momentum `delta` (decoupled: never synchronised). Per step:
 *   delta = beta * delta + lr * g              (lr folded into the momentum, as the reference)
 *   payload = compress(delta)                  (DCT over 64x64 blocks + top-k, src/compress)
 *   delta = delta - decompress(payload)        (what was sent leaves the momentum; the rest stays)
 *   p = p * (1 - lr * wd) - lr * sign(mean of all workers' decompressed payloads)
 * The mean over workers sums in canonical order; sign(mean) = sign(sum), so DeMo's scatter-mean
 * over the workers that picked a coefficient gives the same update.
 */
const f = Math.fround;

export interface DemoConfig {
  /** Momentum decay ("compression_decay"); the reference default is 0.999. */
  readonly beta: number;
  readonly weightDecay: number;
}

export function demoDefaults(): DemoConfig {
  return { beta: 0.999, weightDecay: 0 };
}

/** delta = beta * delta + lr * g, in place. */
export function demoAccumulate(delta: Float32Array, grads: Float32Array, beta: number, lr: number): void {
  if (grads.length !== delta.length) throw new RangeError(`demoAccumulate: sizes ${delta.length} and ${grads.length} differ`);
  const b = f(beta);
  const l = f(lr);
  for (let i = 0; i < delta.length; i++) delta[i] = f(f(b * delta[i]!) + f(l * grads[i]!));
}

/** delta = delta - sent, in place (the transmitted part leaves the momentum). */
export function demoSubtract(delta: Float32Array, sent: Float32Array): void {
  if (sent.length !== delta.length) throw new RangeError(`demoSubtract: sizes ${delta.length} and ${sent.length} differ`);
  for (let i = 0; i < delta.length; i++) delta[i] = f(delta[i]! - sent[i]!);
}

/**
 * The sign-SGD update with decoupled weight decay, in place.
 * @example signUpdate(params.flat, meanOf(decodedPayloads), lr, 0);
 */
export function signUpdate(params: Float32Array, direction: Float32Array, lr: number, weightDecay: number): void {
  if (direction.length !== params.length) throw new RangeError(`signUpdate: sizes ${params.length} and ${direction.length} differ`);
  const l = f(lr);
  const keep = f(1 - f(l * f(weightDecay)));
  for (let i = 0; i < params.length; i++) {
    const d = direction[i]!;
    const step = d > 0 ? l : d < 0 ? -l : 0;
    const p = weightDecay === 0 ? params[i]! : f(params[i]! * keep);
    params[i] = f(p - step);
  }
}

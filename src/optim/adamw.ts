/**
 * @file AdamW (Loshchilov & Hutter, decoupled weight decay) as a pure update over flat
 * f32 buffers: parameters, gradients and the two moment buffers, updated in place.
 *
 * Per element, in this order, every operation rounded to f32 (numeric contract):
 *   p = p - (lr * wd) * p                       decoupled weight decay (PyTorch's order)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * (g * g)
 *   p = p - (lr / bc1) * (m / (sqrt(v) / sqrt(bc2) + eps))
 * with bc1 = 1 - beta1^t and bc2 = 1 - beta2^t, where beta^t is a running f32 product kept in
 * the state (no Math.pow, whose last bit may differ between JavaScript engines).
 */
const f = Math.fround;

export interface AdamWConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

/** GPT-2/nanoGPT defaults. */
export function adamwDefaults(): AdamWConfig {
  return { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
}

export interface AdamWState {
  /** Steps taken so far. */
  step: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** beta1^step and beta2^step as running f32 products. */
  beta1Power: number;
  beta2Power: number;
}

export function initAdamW(size: number): AdamWState {
  return { step: 0, m: new Float32Array(size), v: new Float32Array(size), beta1Power: 1, beta2Power: 1 };
}

/** Forget all moments (a worker that rejoins with no optimizer state). */
export function resetAdamW(state: AdamWState): void {
  state.step = 0;
  state.beta1Power = 1;
  state.beta2Power = 1;
  state.m.fill(0);
  state.v.fill(0);
}

/**
 * One AdamW step on `params` in place. `decayMask`, when given, holds 1 for elements that
 * get weight decay and 0 for the rest (GPT-2 decays matrices, not biases or norms).
 * @example adamwStep(params.flat, grads, state, adamwDefaults(), 3e-4);
 */
export function adamwStep(
  params: Float32Array, grads: Float32Array, state: AdamWState, cfg: AdamWConfig, lr: number, decayMask?: Uint8Array,
): void {
  if (grads.length !== params.length || state.m.length !== params.length) {
    throw new RangeError(`adamwStep: params ${params.length}, grads ${grads.length}, state ${state.m.length} differ in size`);
  }
  state.step += 1;
  state.beta1Power = f(state.beta1Power * cfg.beta1);
  state.beta2Power = f(state.beta2Power * cfg.beta2);
  const b1 = f(cfg.beta1);
  const b2 = f(cfg.beta2);
  const oneMinusB1 = f(1 - b1);
  const oneMinusB2 = f(1 - b2);
  const eps = f(cfg.eps);
  const stepSize = f(f(lr) / f(1 - state.beta1Power));
  const sqrtBc2 = f(Math.sqrt(f(1 - state.beta2Power)));
  const decay = f(f(lr) * f(cfg.weightDecay));
  const { m, v } = state;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i]!;
    let p = params[i]!;
    if (decayMask === undefined || decayMask[i] === 1) p = f(p - f(decay * p));
    const mi = f(f(b1 * m[i]!) + f(oneMinusB1 * g));
    const vi = f(f(b2 * v[i]!) + f(oneMinusB2 * f(g * g)));
    m[i] = mi;
    v[i] = vi;
    const denom = f(f(f(Math.sqrt(vi)) / sqrtBc2) + eps);
    params[i] = f(p - f(stepSize * f(mi / denom)));
  }
}

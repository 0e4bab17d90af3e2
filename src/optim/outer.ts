/**
 * @file DiLoCo's outer optimizer: SGD with Nesterov momentum on the averaged pseudo-gradient
 * (paper defaults lr 0.7, momentum 0.9), in PyTorch's formulation:
 *   buf = mu * buf + g;   p = p - lr * (g + mu * buf)
 * every operation rounded to f32 (numeric contract), element by element, so every peer that
 * holds the same parameters, buffer and pseudo-gradient computes the same bits.
 */
const f = Math.fround;

export interface OuterConfig {
  readonly lr: number;
  readonly momentum: number;
  /** false gives plain heavy-ball momentum; momentum 0 gives FedAvg's SGD. */
  readonly nesterov: boolean;
}

/** The DiLoCo paper's outer optimizer: Nesterov, lr 0.7, momentum 0.9. */
export function outerDefaults(): OuterConfig {
  return { lr: 0.7, momentum: 0.9, nesterov: true };
}

/**
 * Apply one outer step to `params` in place; `buf` is the momentum buffer (zeros at start).
 * `params`, `buf` and `pseudoGrad` may be views of one fragment of the full vectors.
 * @example outerStep(globalParams, nesterovBuf, meanDelta, outerDefaults());
 */
export function outerStep(params: Float32Array, buf: Float32Array, pseudoGrad: Float32Array, cfg: OuterConfig): void {
  if (buf.length !== params.length || pseudoGrad.length !== params.length) {
    throw new RangeError(`outerStep: params ${params.length}, buffer ${buf.length}, pseudo-gradient ${pseudoGrad.length} differ in size`);
  }
  const lr = f(cfg.lr);
  const mu = f(cfg.momentum);
  for (let i = 0; i < params.length; i++) {
    const g = pseudoGrad[i]!;
    const b = f(f(mu * buf[i]!) + g);
    buf[i] = b;
    const update = cfg.nesterov ? f(g + f(mu * b)) : b;
    params[i] = f(params[i]! - f(lr * update));
  }
}

/**
 * The pseudo-gradient of one worker: global - local, in f32 (DiLoCo Algorithm 1). Written into
 * `out` (allocated when absent).
 * @example const delta = pseudoGradient(globalParams, worker.params.flat);
 */
export function pseudoGradient(global: Float32Array, local: Float32Array, out = new Float32Array(global.length)): Float32Array {
  if (local.length !== global.length || out.length !== global.length) throw new RangeError(`pseudoGradient: sizes ${global.length}, ${local.length}, ${out.length} differ`);
  for (let i = 0; i < global.length; i++) out[i] = f(global[i]! - local[i]!);
  return out;
}

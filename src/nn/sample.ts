/**
 * @file Text generation from a GPT: temperature, top-k, and a seeded counter-based draw per
 * generated position, so the same checkpoint, prompt and seed give the same text anywhere.
 */
import { deriveKey, noGrad, randomBits, tensor, tidy } from '../tensor/index.ts';
import { expF32 } from '../tensor/math/index.ts';
import type { GptConfig } from './config.ts';
import { gptForward } from './gpt.ts';
import type { ParamStore } from './params.ts';

export interface SampleOptions {
  /** Tokens to generate. */
  readonly length: number;
  /** Softmax temperature (> 0); lower is more conservative. */
  readonly temperature: number;
  /** Sample among the k most likely tokens (0 = all). */
  readonly topK: number;
  readonly seed: number;
}

/**
 * Continues `prompt` (at least one token) by `opts.length` tokens. The model sees the last
 * contextLength tokens at each position (no cache: simple, and fast enough for demos).
 * @example sampleTokens(params, gptTiny(), byteTokenizer().encode('ROMEO:'), { length: 200, temperature: 0.8, topK: 40, seed: 1 })
 */
export function sampleTokens(params: ParamStore, cfg: GptConfig, prompt: Int32Array, opts: SampleOptions): Int32Array {
  if (prompt.length === 0) throw new RangeError('sampleTokens needs a prompt of at least one token');
  if (!(opts.temperature > 0)) throw new RangeError(`temperature must be > 0, got ${opts.temperature}`);
  const out = Array.from(prompt);
  for (let i = 0; i < opts.length; i++) {
    const window = Int32Array.from(out.slice(-cfg.contextLength));
    const logits = tidy(() => noGrad(() => {
      const { logits_BTV } = gptForward(params, cfg, tensor(window, [1, window.length], { dtype: 'i32', backend: params.backend }));
      return logits_BTV.slice(1, window.length - 1, window.length).toArray() as Float32Array;
    }), params.backend);
    out.push(drawToken(logits, opts.temperature, opts.topK, randomBits(deriveKey(opts.seed, 'sample', i), 1)[0]!));
  }
  return Int32Array.from(out.slice(prompt.length));
}

/** Picks a token from logits with temperature and top-k, using one random u32 word. */
function drawToken(logits: Float32Array, temperature: number, topK: number, word: number): number {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const top = logits[kept[0]!]!;
  // f32 with our own exp and a sequential sum, so the draw is the same on every engine.
  const f = Math.fround;
  const weights = kept.map((t) => expF32(f(f(logits[t]! - top) / f(temperature))));
  const total = weights.reduce((s, w) => f(s + w), 0);
  let u = f((word >>> 8) * 2 ** -24 * total);
  for (let j = 0; j < kept.length; j++) {
    u = f(u - weights[j]!);
    if (u < 0) return kept[j]!;
  }
  return kept[kept.length - 1]!;
}

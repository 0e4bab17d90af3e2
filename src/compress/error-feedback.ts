/**
 * @file Error feedback: send what a lossy codec dropped on the next call instead of losing it.
 *
 * A lossy codec applied every round is biased (fp4 rounds a small entry next to a large one
 * to zero every time; top-k never sends the tail). Keeping the residual
 * r <- (x + r) - decode(encode(x + r)) and adding it to the next input makes the sum of what
 * was sent track the sum of the inputs: after T calls, sum(sent) = sum(x) - r_T, with r_T
 * bounded by one round's quantisation error (up to f32 rounding of the additions).
 */
import type { Codec } from './codec.ts';

export interface ErrorFeedback {
  /** The codec's error still owed, (x + residual) - decoded, in f32. Read-only for callers. */
  readonly residual: Float32Array;
  /**
   * Encode x + residual and keep the new residual. A call that throws (wrong length, NaN/Inf
   * in x or in x + residual) leaves the residual as it was.
   */
  encode(x: Float32Array): Uint8Array;
  /** Zero the residual (after a resynchronisation, for example). */
  reset(): void;
}

/**
 * Wrap `codec` with an f32 residual of `n` values (see the file comment). Each call runs the
 * codec's decoder on its own payload, so it costs one encode plus one decode.
 * @example
 * const ef = createErrorFeedback(fp4Codec(), grad.length);
 * const payload = ef.encode(grad); // send it; ef.residual holds what it left out
 */
export function createErrorFeedback(codec: Codec, n: number): ErrorFeedback {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`error feedback length ${n} is not a non-negative integer`);
  const residual = new Float32Array(n);
  const target = new Float32Array(n);
  return {
    residual,
    encode(x) {
      if (x.length !== n) throw new RangeError(`error feedback over ${n} values got ${x.length}`);
      for (let i = 0; i < n; i++) target[i] = x[i]! + residual[i]!; // the store rounds to f32
      const payload = codec.encode(target);
      const sent = codec.decode(payload, n);
      for (let i = 0; i < n; i++) residual[i] = target[i]! - sent[i]!;
      return payload;
    },
    reset() {
      residual.fill(0);
    },
  };
}

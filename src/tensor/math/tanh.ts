/**
 * @file tanhF32: hyperbolic tangent in f32 arithmetic only (numeric
 * contract, see docs/numerics-transcendentals.md).
 *
 * |x| < 0.625: tanh(x) = x + x^3 * P(x^2), P a minimax fit.
 * 0.625 <= |x| < 9.1: tanh(|x|) = 1 - 2 / (exp(2|x|) + 1).
 * |x| >= 9.1: 1 - tanh(|x|) < 2^-25, so the f32 result is exactly 1.
 * The work is done on |x| and the sign is copied at the end, so
 * tanh(-x) = -tanh(x) holds bit for bit (also for -0).
 */
import { expF32 } from './exp.ts';
import { f, signBit } from './f32.ts';

/** Below this the odd polynomial is used. */
export const TANH_SMALL = f(0.625);
/** From here on the result is 1. */
export const TANH_ONE = f(9.1);

// P(y) ~ (tanh(x) - x) / x^3, y = x^2 in [0, 0.390625]: weighted minimax fit
// for the relative error of tanh, coefficients rounded to f32 one by one.
// Produced by `node tools/math/fit.mjs` (fitTanh); fit error 4.5e-9 relative.
const P0 = f(-0.3333328);
const P1 = f(0.13331406);
const P2 = f(-0.053736515);
const P3 = f(0.020628167);
const P4 = f(-0.005692296);

/**
 * Hyperbolic tangent of an f32 `x`, computed with f32 operations only
 * (numeric contract). Odd bit for bit: tanhF32(-x) === -tanhF32(x).
 *
 * Special cases: NaN -> NaN, +-Inf -> +-1, +-0 -> +-0.
 * Measured max error: 1.331 ulp (exhaustive over all finite f32; bound 2 ulp).
 *
 * @example
 * tanhF32(0.5); // 0.46211716532707214
 * tanhF32(-20); // -1
 */
export function tanhF32(x: number): number {
  x = f(x);
  if (x !== x) return NaN;
  const a = Math.abs(x);
  let r: number;
  if (a < TANH_SMALL) {
    const y = f(a * a);
    let p = f(P3 + f(y * P4));
    p = f(P2 + f(y * p));
    p = f(P1 + f(y * p));
    p = f(P0 + f(y * p));
    // a + a*(y*P): the correction is at most a third of a, so it is added last.
    r = f(a + f(a * f(y * p)));
  } else if (a < TANH_ONE) {
    const e = expF32(f(2 * a)); // 2a is exact
    r = f(1 - f(2 / f(e + 1)));
  } else {
    r = 1;
  }
  return signBit(x) ? -r : r;
}

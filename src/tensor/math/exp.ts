/**
 * @file expF32: e^x in f32 arithmetic only (numeric contract, see
 * docs/numerics-transcendentals.md).
 *
 * exp(x) = 2^n * exp(r), n = nearest(x / ln2), r = x - n*ln2 (Cody-Waite).
 */
import { f, ldexpF32, SHIFTER } from './f32.ts';

/** fround(1 / ln 2). */
const LOG2E = f(1.4426950216293335);
/** ln2 rounded to 9 significant bits, so n * LN2_HI is exact for integers |n| < 2^15. */
const LN2_HI = f(0.693359375);
/** fround(ln2 - LN2_HI). */
const LN2_LO = f(-0.00021219444170128554);

// Taylor coefficients 1/k! rounded to f32 (k = 2..7). On |r| <= 0.3467 the
// truncation error r^8/8! is below 6e-9, well under the rounding error.
const C2 = f(0.5);
const C3 = f(0.1666666716337204);
const C4 = f(0.0416666679084301);
const C5 = f(0.008333333767950535);
const C6 = f(0.0013888889225199819);
const C7 = f(0.0001984127011382952);

/** Largest f32 whose exp is finite in f32 (0x42b17217); larger inputs give +Inf. */
export const EXP_OVERFLOW_X = f(88.72283172607422);
/** Below this exp(x) < 2^-151, which rounds to +0 (the true threshold is about -103.97). */
export const EXP_UNDERFLOW_X = f(-104);

/**
 * e^x for an f32 `x`, computed with f32 operations only, so every machine
 * gets the same bits (numeric contract).
 *
 * Special cases: NaN -> NaN, +Inf and x > 88.7228317 -> +Inf, -Inf and
 * x < -104 -> +0; results below 2^-126 are subnormal with one rounding.
 * Measured max error: 1.043 ulp (exhaustive over [-104, 89]; bound 2 ulp).
 *
 * @example
 * expF32(1); // 2.7182817459106445 (fround(Math.E))
 * expF32(-100); // 3.783505853677006e-44 (subnormal)
 */
export function expF32(x: number): number {
  x = f(x);
  if (x !== x) return NaN;
  if (x > EXP_OVERFLOW_X) return Infinity;
  if (x < EXP_UNDERFLOW_X) return 0;
  // n = nearest integer to fround(x * LOG2E), ties to even: adding and
  // subtracting 1.5 * 2^23 in f32 (|t| < 2^22 here) is exactly
  // f32.nearest / rintf, so WASM and CUDA reproduce it.
  const t = f(x * LOG2E);
  const n = f(f(t + SHIFTER) - SHIFTER);
  // r = x - n*LN2_HI is exact (n*LN2_HI has <= 17 bits, x and it are close),
  // the low part carries the remaining ln2 bits.
  const r0 = f(x - f(n * LN2_HI));
  const r = f(r0 - f(n * LN2_LO));
  // exp(r) = 1 + (r + r*u), u = r*(C2 + r*(C3 + ... + r*C7)): the two big
  // terms 1 and r are added last so their rounding errors are not amplified.
  let p = f(C6 + f(r * C7));
  p = f(C5 + f(r * p));
  p = f(C4 + f(r * p));
  p = f(C3 + f(r * p));
  p = f(C2 + f(r * p));
  const u = f(r * p);
  const er = f(1 + f(r + f(r * u)));
  // er is in [0.70, 1.42]; one exact-or-single-rounding scale by 2^n.
  return ldexpF32(er, n);
}

/**
 * @file logF32: natural logarithm in f32 arithmetic only (numeric contract,
 * see docs/numerics-transcendentals.md).
 *
 * x = m * 2^k with m in [sqrt(1/2), sqrt(2)), f = m - 1, and
 *   log(1 + f) = 2 atanh(s),  s = f / (2 + f)     since (1 + s) / (1 - s) = 1 + f,
 *   2 atanh(s) = 2s + s*R,     R = z*(2/3 + z*(2/5 + z*(2/7 + z*(2/9 + z*2/11)))), z = s^2,
 * and with 2s = f - s*f and hfsq = f^2 / 2 (so hfsq*(1 - s) = s*f):
 *   log(1 + f) = f - (hfsq - s*(hfsq + R)).
 * |s| <= 0.1716, so z <= 0.0295 and the first omitted series term
 * s * 2/13 * z^6 is below 2e-11: Taylor is already far below f32 rounding.
 */
import { bitsToF32, f, f32ToBits } from './f32.ts';

/** ln2 rounded to 16 bits (45426 / 65536): k * LN2_HI is exact for |k| <= 255. */
const LN2_HI = f(0.693145751953125);
/** fround(ln2 - LN2_HI). */
const LN2_LO = f(0.000001428606765330187);

// 2/(2j+1) rounded to f32, j = 1..5.
const L1 = f(0.6666666865348816);
const L2 = f(0.4000000059604645);
const L3 = f(0.2857142984867096);
const L4 = f(0.2222222238779068);
const L5 = f(0.1818181872367859);

const TWO_P23 = f(8388608);
/** Bits of fround(sqrt(1/2)) = 0.70710677. */
const SQRT_HALF_BITS = 0x3f3504f3;

/**
 * Natural logarithm of an f32 `x`, computed with f32 operations only
 * (numeric contract).
 *
 * Special cases: NaN and x < 0 -> NaN, +-0 -> -Inf, +Inf -> +Inf, log(1) = +0;
 * subnormal inputs are handled exactly.
 * Measured max error: 0.835 ulp (exhaustive over all positive finite f32; bound 1 ulp).
 *
 * @example
 * logF32(2); // 0.6931471824645996 (fround(Math.LN2))
 * logF32(1.401298464324817e-45); // -103.2789306640625
 */
export function logF32(x: number): number {
  x = f(x);
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let ix = f32ToBits(x);
  let k = 0;
  if (ix < 0x00800000) {
    // Subnormal: 2^23 * (smallest subnormal 2^-149) = 2^-126 is normal, and the product is exact.
    ix = f32ToBits(f(x * TWO_P23));
    k = -23;
  }
  // Shift the exponent split point from 1 to sqrt(1/2): after adding
  // 1 - sqrt(1/2) (in bit space) the exponent field is k + bias, and the
  // mantissa re-based at SQRT_HALF_BITS gives m in [0.70710677, 1.41421354).
  ix = ix + (0x3f800000 - SQRT_HALF_BITS);
  k += (ix >>> 23) - 127;
  const m = bitsToF32((ix & 0x007fffff) + SQRT_HALF_BITS);
  const fm = f(m - 1); // exact (Sterbenz: m in [1/2, 2])
  const s = f(fm / f(2 + fm));
  const z = f(s * s);
  let r = f(L4 + f(z * L5));
  r = f(L3 + f(z * r));
  r = f(L2 + f(z * r));
  r = f(L1 + f(z * r));
  const R = f(z * r);
  const hfsq = f(0.5 * f(fm * fm));
  // k*ln2 + log(1+f) = hi + (f - (hfsq - (s*(hfsq + R) + lo))): small terms
  // first, the exact hi part last, so each rounding is relative to a small value.
  const hi = f(k * LN2_HI); // exact
  const lo = f(k * LN2_LO);
  const t = f(f(s * f(hfsq + R)) + lo);
  return f(hi + f(fm - f(hfsq - t)));
}

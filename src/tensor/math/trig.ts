/**
 * @file sinCosTurnsF32: sin and cos of a whole number of turns (2*pi*v) in
 * f32 arithmetic only (numeric contract, see docs/numerics-transcendentals.md).
 *
 * Working in turns makes the range reduction exact: 4v, its floor q and
 * the fraction w are all exact in f32, so 2*pi*v = q*pi/2 + w*pi/2 with
 * w in [-1/2, 1/2). The only reduction error is the single rounded multiply
 * theta = fround(w * fround(pi/2)), a RELATIVE error (at most 2^-24) of
 * theta, so even next to the zeros of sin and cos the result keeps a small
 * relative error; the rounding of pi/2 itself is folded into the polynomial
 * coefficients.
 */
import { f, signBit } from './f32.ts';

/** fround(pi / 2); it is 4.4e-8 too large (2.8e-8 relative). */
const PI_2 = f(1.5707963705062866);

// The polynomials evaluate sin(kappa*th) and cos(kappa*th) with
// kappa = (pi/2) / PI_2 = 1 - 2.78e-8, i.e. the Taylor series of sin and cos
// with the k-th coefficient multiplied by kappa^k: this undoes the rounding
// of pi/2 itself, so only the rounding of the product w * PI_2 remains.
// Coefficients computed in float64 and rounded to f32 by `node tools/math/fit.mjs`
// (sinCosCoefficients); each literal rounds to the intended f32.
// On |th| <= pi/4 the truncation errors are th^11/11! < 2e-9 (sin,
// relative 2.8e-9) and th^12/12! < 1.2e-10 (cos).
const K1 = f(-2.7827534e-8); // kappa - 1
const S3 = f(-0.16666666); // -kappa^3 / 3!
const S5 = f(0.008333332); // kappa^5 / 5!
const S7 = f(-0.00019841266); // -kappa^7 / 7!
const S9 = f(0.0000027557312); // kappa^9 / 9!
const D2 = f(2.7827534e-8); // (1 - kappa^2) / 2
const C4 = f(0.04166666); // kappa^4 / 4!
const C6 = f(-0.0013888887); // -kappa^6 / 6!
const C8 = f(0.000024801582); // kappa^8 / 8!
const C10 = f(-2.7557311e-7); // -kappa^10 / 10!

/** Every f32 from 2^24 on is an even integer: a whole number of turns, sin 0 and cos 1. */
const WHOLE_TURNS = f(16777216);

/**
 * [sin(2*pi*v), cos(2*pi*v)] for an f32 `v` given in turns, computed with f32
 * operations only (numeric contract). Meant for v in [0, 1) (Box-Muller);
 * other finite v are reduced exactly (period 1, sin odd, cos even).
 *
 * Special cases: NaN and +-Inf -> [NaN, NaN]; whole quarter turns give
 * exact 0 and +-1 (zeros are +0, except sin(-v) = -sin(v)).
 * Measured max error on [0, 1): sin 1.487 ulp, cos 1.473 ulp (exhaustive;
 * bound 2 ulp), with no exception near the zeros: the error there stays
 * relative because the reduction is exact in turns; the max absolute error
 * is 7.9e-8.
 *
 * @example
 * sinCosTurnsF32(0.125); // [0.7071067690849304, 0.7071067690849304]
 * sinCosTurnsF32(0.25); // [1, 0]
 */
export function sinCosTurnsF32(v: number): [number, number] {
  v = f(v);
  if (v !== v || v === Infinity || v === -Infinity) return [NaN, NaN];
  const neg = signBit(v); // sin is odd, cos is even: reduce |v|
  const a = Math.abs(v);
  if (a >= WHOLE_TURNS) return [neg ? -0 : 0, 1];
  const y = f(a * 4); // exact
  let q = Math.floor(y);
  let w = f(y - q); // exact, in [0, 1)
  if (w >= 0.5) {
    w = f(w - 1); // exact, in [-1/2, 0)
    q = q + 1;
  }
  q = q - 4 * Math.floor(q * 0.25); // quadrant mod 4 (exact integer arithmetic)
  const th = f(w * PI_2); // |th| <= pi/4, the one rounding of the reduction
  const z = f(th * th);

  // sin(kappa th) = th + th*((kappa - 1) + z*(S3 + z*(S5 + z*(S7 + z*S9))))
  let ps = f(S7 + f(z * S9));
  ps = f(S5 + f(z * ps));
  ps = f(S3 + f(z * ps));
  const s = f(th + f(th * f(K1 + f(z * ps))));

  // cos(kappa th) = 1 - (z/2 - (z*(1 - kappa^2)/2 + z^2*(C4 + z*(C6 + z*(C8 + z*C10))))):
  // the small part is formed first so only the last subtraction rounds near 1.
  let pc = f(C8 + f(z * C10));
  pc = f(C6 + f(z * pc));
  pc = f(C4 + f(z * pc));
  const c = f(1 - f(f(0.5 * z) - f(f(z * D2) + f(f(z * z) * pc))));

  // Rotate by q quarter turns. Negation is written 0 - s so that an exact
  // zero (th = 0 at whole quarter turns) stays +0; for s != 0 it is exact.
  let sn: number;
  let cs: number;
  if (q === 0) {
    sn = s;
    cs = c;
  } else if (q === 1) {
    sn = c;
    cs = f(0 - s);
  } else if (q === 2) {
    sn = f(0 - s);
    cs = f(0 - c);
  } else {
    sn = f(0 - c);
    cs = s;
  }
  // sin is odd: plain negation, so sin(-0) = -0 and sin(-v) = -sin(v) exactly.
  return [neg ? -sn : sn, cs];
}

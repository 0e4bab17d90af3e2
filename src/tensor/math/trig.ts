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
const PI_2 = 1.5707963705062866;

// The polynomials evaluate sin(kappa*th) and cos(kappa*th) with
// kappa = (pi/2) / PI_2 = 1 - 2.78e-8, i.e. the Taylor series of sin and cos
// with the k-th coefficient multiplied by kappa^k: this undoes the rounding
// of pi/2 itself, so only the rounding of the product w * PI_2 remains.
// Coefficients computed in float64 and rounded to f32 (see the numerics doc).
// On |th| <= pi/4 the truncation errors are th^11/11! < 2e-9 (sin,
// relative 2.8e-9) and th^12/12! < 1.2e-10 (cos).
const K1 = -2.7827534054836178e-8; // kappa - 1
const S3 = -0.1666666567325592; // -kappa^3 / 3!
const S5 = 0.008333331905305386; // kappa^5 / 5!
const S7 = -0.00019841265748254955; // -kappa^7 / 7!
const S9 = 0.000002755731202341849; // kappa^9 / 9!
const D2 = 2.7827534054836178e-8; // (1 - kappa^2) / 2
const C4 = 0.0416666604578495; // kappa^4 / 4!
const C6 = -0.0013888886896893382; // -kappa^6 / 6!
const C8 = 0.000024801582185318694; // kappa^8 / 8!
const C10 = -2.75573114549843e-7; // -kappa^10 / 10!

/** Every f32 from 2^24 on is an even integer: a whole number of turns, sin 0 and cos 1. */
const WHOLE_TURNS = 16777216;

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

  let sn: number;
  let cs: number;
  if (q === 0) {
    sn = s;
    cs = c;
  } else if (q === 1) {
    sn = c;
    cs = -s;
  } else if (q === 2) {
    sn = -s;
    cs = -c;
  } else {
    sn = -c;
    cs = s;
  }
  return [neg ? -sn : sn, cs];
}

/**
 * @file erfF32: error function in f32 arithmetic only (numeric contract,
 * see docs/numerics-transcendentals.md).
 *
 * |x| < 1:            erf(x) = x + x * Q(x^2)                     (x * P(x^2), P = 1 + Q)
 * 1 <= |x| < ERF_ONE: erf(x) = 1 - exp(-x^2) * G(1/|x| - 0.625)   (G ~ erfc(x) exp(x^2))
 * |x| >= ERF_ONE:     erfc(x) < 2^-25, so the f32 result is exactly 1.
 * Work is done on |x|, the sign is copied at the end (erf is odd bit for bit).
 * Q and G are weighted minimax fits from `node tools/math/fit.mjs`, their
 * coefficients rounded to f32 one at a time with refits.
 */
import { expF32 } from './exp.ts';
import { f, signBit } from './f32.ts';

/** Smallest f32 with erfc(x) < 2^-25 (computed by tools/math/fit.mjs, erfOneThreshold). */
export const ERF_ONE = f(3.919205904006958);

// Q(y) ~ erf(x)/x - 1, y = x^2 in [0, 1]; fit error 1.4e-9 relative to erf (fitErfSmall).
const Q0 = f(0.12837917);
const Q1 = f(-0.37612626);
const Q2 = f(0.11283579);
const Q3 = f(-0.026853347);
const Q4 = f(0.005187162);
const Q5 = f(-0.0007997853);
const Q6 = f(0.00007806904);

// G(u) ~ erfc(x) exp(x^2), u = 1/x - 0.625 in [-0.370, 0.375]; fit error
// 1.8e-8 relative to erfc(x) exp(x^2) (fitErfMid).
const G_CENTER = f(0.625);
const G0 = f(0.305953);
const G1 = f(0.38228378);
const G2 = f(-0.17239442);
const G3 = f(0.043764442);
const G4 = f(0.023285773);
const G5 = f(-0.04685788);
const G6 = f(0.04437397);
const G7 = f(-0.027830297);
const G8 = f(-0.0061140023);
const G9 = f(0.02906457);

/**
 * Error function of an f32 `x`, computed with f32 operations only (numeric
 * contract). Odd bit for bit: erfF32(-x) === -erfF32(x).
 *
 * Special cases: NaN -> NaN, +-Inf -> +-1, +-0 -> +-0, |x| >= 3.9192059 -> +-1.
 * Measured max error: 1.315 ulp (exhaustive over [-4.5, 4.5]; bound 2 ulp).
 *
 * @example
 * erfF32(0.5); // 0.5204998850822449
 * erfF32(-2); // -0.9953222870826721
 */
export function erfF32(x: number): number {
  x = f(x);
  if (x !== x) return NaN;
  const a = Math.abs(x);
  let r: number;
  if (a < 1) {
    const y = f(a * a);
    let q = f(Q5 + f(y * Q6));
    q = f(Q4 + f(y * q));
    q = f(Q3 + f(y * q));
    q = f(Q2 + f(y * q));
    q = f(Q1 + f(y * q));
    q = f(Q0 + f(y * q));
    // a + a*Q: the correction is at most 0.16*a, so the big term is added last.
    r = f(a + f(a * q));
  } else if (a < ERF_ONE) {
    const u = f(f(1 / a) - G_CENTER);
    let g = f(G8 + f(u * G9));
    g = f(G7 + f(u * g));
    g = f(G6 + f(u * g));
    g = f(G5 + f(u * g));
    g = f(G4 + f(u * g));
    g = f(G3 + f(u * g));
    g = f(G2 + f(u * g));
    g = f(G1 + f(u * g));
    g = f(G0 + f(u * g));
    const e = expF32(-f(a * a));
    r = f(1 - f(e * g));
  } else {
    r = 1;
  }
  return signBit(x) ? -r : r;
}

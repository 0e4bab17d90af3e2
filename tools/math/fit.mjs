// Polynomial fits for the f32 transcendentals in src/tensor/math/.
//
// Run:  node tools/math/fit.mjs
// It prints the f32-rounded coefficients that are committed in
// src/tensor/math/tanh.ts, src/tensor/math/erf.ts and (kappa-scaled Taylor,
// no fit) src/tensor/math/trig.ts. Everything here is
// plain float64 JavaScript with no dependencies, so the output is
// reproducible on any machine running Node 20.
//
// Method: weighted minimax fit by Lawson's algorithm (iteratively
// reweighted least squares, each least-squares problem solved by Householder
// QR) on Chebyshev-distributed sample points, then the coefficients are
// rounded to f32 one at a time, lowest degree first, refitting the
// remaining ones after each rounding so that later coefficients absorb the
// rounding error of earlier ones.
//
// The module also exports a float64 erf/erfc reference used by
// tools/math/ulp-sweep.ts and test/tensor/math.test.ts.

import { pathToFileURL } from 'node:url';

const f = Math.fround;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

// ---------------------------------------------------------------------------
// float64 erf reference
// ---------------------------------------------------------------------------

/**
 * erf(x) for |x| < 2 by the all-positive series
 *   erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n x (2x^2)^n / (1*3*...*(2n+1)),
 * which has no cancellation, so the relative error is a few 1e-16.
 */
function erfSeries(x) {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * Continued fraction (Laplace), used for x >= 1:
 *   erfc(x) * exp(x^2) * sqrt(pi) = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
 * evaluated backwards. Depth 240 has converged to double precision for
 * x >= 1 and depth 100 for x >= 2 (compared against depth 1e6).
 */
function erfcxContinuedFraction(x) {
  let d = x;
  for (let k = x >= 2 ? 100 : 240; k >= 1; k--) d = x + k / 2 / d;
  return ONE_OVER_SQRT_PI / d;
}

/** Scaled complementary error function erfc(x) * exp(x^2), float64, x >= 0. */
export function erfcx64(x) {
  if (x >= 1) return erfcxContinuedFraction(x);
  return (1 - erfSeries(x)) * Math.exp(x * x);
}

/**
 * erf(x) in float64: the series below 2 (relative error a few 1e-16), 1 -
 * erfc from the continued fraction above (erfc < 0.005 there, so its small
 * relative error is negligible in erf).
 */
export function erf64(x) {
  if (x !== x) return NaN;
  if (x < 0) return -erf64(-x);
  if (x < 2) return erfSeries(x);
  if (x > 27) return 1;
  return 1 - erfcxContinuedFraction(x) * Math.exp(-x * x);
}

/** erfc(x) in float64 for x >= 0. */
export function erfc64(x) {
  if (x < 1) return 1 - erfSeries(x);
  return erfcxContinuedFraction(x) * Math.exp(-x * x);
}

// ---------------------------------------------------------------------------
// Least squares and Lawson minimax
// ---------------------------------------------------------------------------

/** Solves min ||A c - b||_2 (A: m rows of k numbers) by Householder QR. */
/** sin and cos of 2*pi*v in float64 after the exact reduction in turns (4v, floor and fraction are exact). */
export function sinCosTurns64(v) {
  const y = 4 * v;
  let q = Math.floor(y);
  let w = y - q;
  if (w >= 0.5) {
    w -= 1;
    q += 1;
  }
  q -= 4 * Math.floor(q / 4);
  const th = (w * Math.PI) / 2;
  const s = Math.sin(th);
  const c = Math.cos(th);
  return q === 0 ? [s, c] : q === 1 ? [c, -s] : q === 2 ? [-s, -c] : [-c, s];
}

export function leastSquares(A, b) {
  const m = A.length;
  const k = A[0].length;
  const R = A.map((row) => row.slice());
  const y = b.slice();
  for (let j = 0; j < k; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm += R[i][j] * R[i][j];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = R[j][j] > 0 ? -norm : norm;
    const v = new Float64Array(m);
    v[j] = R[j][j] - alpha;
    for (let i = j + 1; i < m; i++) v[i] = R[i][j];
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let c = j; c < k; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i] * R[i][c];
      s = (2 * s) / vv;
      for (let i = j; i < m; i++) R[i][c] -= s * v[i];
    }
    let s = 0;
    for (let i = j; i < m; i++) s += v[i] * y[i];
    s = (2 * s) / vv;
    for (let i = j; i < m; i++) y[i] -= s * v[i];
  }
  const c = new Array(k).fill(0);
  for (let j = k - 1; j >= 0; j--) {
    let s = y[j];
    for (let i = j + 1; i < k; i++) s -= R[j][i] * c[i];
    c[j] = s / R[j][j];
  }
  return c;
}

/** Chebyshev points of the second kind mapped to [a, b] (endpoints included). */
export function chebPoints(a, b, m) {
  const pts = [];
  for (let i = 0; i < m; i++) {
    const t = Math.cos((Math.PI * i) / (m - 1));
    pts.push(a + ((b - a) * (1 - t)) / 2);
  }
  return pts;
}

function polyEval(c, u) {
  let p = 0;
  for (let i = c.length - 1; i >= 0; i--) p = p * u + c[i];
  return p;
}

/**
 * Weighted minimax fit: coefficients c (lowest degree first) of the
 * polynomial p with max_i w_i |p(u_i) - t_i| (approximately) minimal,
 * where c[i] is free for i >= fixed.length and equals fixed[i] otherwise.
 */
export function lawson(us, ts, ws, degree, fixed = [], iters = 400) {
  const m = us.length;
  const nf = fixed.length;
  const free = degree + 1 - nf;
  const rows = us.map((u) => {
    const r = [];
    let p = 1;
    for (let i = 0; i <= degree; i++) {
      r.push(p);
      p *= u;
    }
    return r;
  });
  const rhs = ts.map((t, i) => {
    let s = t;
    for (let j = 0; j < nf; j++) s -= fixed[j] * rows[i][j];
    return s;
  });
  let lambda = new Float64Array(m).fill(1 / m);
  let best = null;
  let bestErr = Infinity;
  for (let it = 0; it < iters; it++) {
    const A = [];
    const b = [];
    for (let i = 0; i < m; i++) {
      const s = Math.sqrt(lambda[i]) * ws[i];
      A.push(rows[i].slice(nf).map((v) => v * s));
      b.push(rhs[i] * s);
    }
    const c = fixed.concat(leastSquares(A, b));
    let sum = 0;
    let maxErr = 0;
    const errs = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      errs[i] = ws[i] * Math.abs(polyEval(c, us[i]) - ts[i]);
      maxErr = Math.max(maxErr, errs[i]);
      sum += lambda[i] * errs[i];
    }
    if (maxErr < bestErr) {
      bestErr = maxErr;
      best = c;
    }
    if (sum === 0) break;
    const next = new Float64Array(m);
    for (let i = 0; i < m; i++) next[i] = (lambda[i] * errs[i]) / sum;
    lambda = next;
  }
  if (free === 0) best = fixed.slice();
  return { coeffs: best, maxErr: bestErr };
}

/** Max weighted error of c on a dense uniform grid (a stricter check than the fit points). */
export function denseError(c, a, b, target, weight, n = 20000) {
  let worst = 0;
  let at = a;
  for (let i = 0; i <= n; i++) {
    const u = a + ((b - a) * i) / n;
    const e = weight(u) * Math.abs(polyEval(c, u) - target(u));
    if (e > worst) {
      worst = e;
      at = u;
    }
  }
  return { worst, at };
}

/**
 * Minimax fit of `target` on [a, b] with weight function `weight`, then f32
 * rounding of the coefficients one by one (lowest degree first) with refits.
 */
export function fitF32(target, weight, a, b, degree, points = 1500) {
  const us = chebPoints(a, b, points);
  const ts = us.map(target);
  const ws = us.map(weight);
  const exact = lawson(us, ts, ws, degree);
  const fixed = [];
  let current = exact;
  for (let j = 0; j <= degree; j++) {
    fixed.push(f(current.coeffs[j]));
    if (j < degree) current = lawson(us, ts, ws, degree, fixed, 200);
  }
  const dense = denseError(fixed, a, b, target, weight);
  return { coeffs: fixed, exactErr: exact.maxErr, f32Err: dense.worst, worstAt: dense.at };
}

/** Shortest decimal string that rounds (as f32) back to the f32 value x. */
export function f32Literal(x) {
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (f(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

// ---------------------------------------------------------------------------
// The fits committed in src/tensor/math
// ---------------------------------------------------------------------------

// Degrees were chosen by running fitF32 over a range of degrees and taking
// the smallest one whose error after f32 rounding is below ~2e-8 relative
// (about 0.2 ulp), so that f32 rounding in the evaluation dominates.

/** tanh(x) for |x| < TANH_SMALL is x + x^3 * P(x^2). */
export const TANH_SMALL = 0.625;
export const TANH_DEGREE = 4;

/** (tanh(x) - x) / x^3 as a function of y = x^2; Taylor series below y = 0.04 (no cancellation). */
function tanhG(y) {
  if (y < 0.04) {
    // Taylor coefficients of (tanh(x) - x) / x^3 in y = x^2; the first omitted term is < 1e-15.
    const c = [
      -1 / 3,
      2 / 15,
      -17 / 315,
      62 / 2835,
      -1382 / 155925,
      21844 / 6081075,
      -929569 / 638512875,
      6404582 / 10854718875,
      -443861162 / 1856156927625,
    ];
    return polyEval(c, y);
  }
  const x = Math.sqrt(y);
  return (Math.tanh(x) - x) / (x * y);
}

export function fitTanh() {
  // Relative error of tanh: x^3 * (P - G) / tanh(x) = y * (P - G) * x / tanh(x).
  const weight = (y) => (y === 0 ? 0 : (y * Math.sqrt(y)) / Math.tanh(Math.sqrt(y)));
  return fitF32(tanhG, weight, 0, TANH_SMALL * TANH_SMALL, TANH_DEGREE);
}

/** erf(x) for |x| < 1 is x + x * Q(x^2). */
export const ERF_SMALL_DEGREE = 6;

function erfQ(y) {
  if (y === 0) return TWO_OVER_SQRT_PI - 1;
  const x = Math.sqrt(y);
  return erf64(x) / x - 1;
}

export function fitErfSmall() {
  // Relative error of erf: x * (Q - Qtrue) / erf(x).
  const weight = (y) => {
    if (y === 0) return 1 / TWO_OVER_SQRT_PI;
    const x = Math.sqrt(y);
    return x / erf64(x);
  };
  return fitF32(erfQ, weight, 0, 1, ERF_SMALL_DEGREE);
}

/**
 * erf(x) for 1 <= |x| < erfOneThreshold() is 1 - exp(-x^2) * G(1/x - ERF_MID_CENTER),
 * G ~ erfc(x) * exp(x^2). In t = 1/x one polynomial of degree 9 suffices
 * (in x itself one needs degree 12 or two pieces of degree 8).
 */
export const ERF_MID_CENTER = 0.625;
export const ERF_MID_DEGREE = 9;

export function fitErfMid() {
  const c = ERF_MID_CENTER;
  const target = (u) => erfcx64(1 / (u + c));
  // Relative error of erfc(x) * exp(x^2) (the brief asks for ~1e-7).
  const weight = (u) => 1 / erfcx64(1 / (u + c));
  return fitF32(target, weight, 1 / erfOneThreshold() - c, 1 - c, ERF_MID_DEGREE);
}

/** Smallest f32 x with erfc(x) < 2^-25, so erf(x) rounds to 1 in f32 for all x >= it. */
export function erfOneThreshold() {
  let lo = 3;
  let hi = 5;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (erfc64(mid) < 2 ** -25) hi = mid;
    else lo = mid;
  }
  let x = f(hi);
  if (x < hi) x = nextUpF32(x);
  return x;
}

function nextUpF32(x) {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x);
  b.setUint32(0, b.getUint32(0) + 1);
  return b.getFloat32(0);
}

/**
 * Coefficients of src/tensor/math/trig.ts: Taylor series of sin(kappa*th) and
 * cos(kappa*th), kappa = (pi/2) / fround(pi/2), so that the polynomial in
 * th = fround(w * fround(pi/2)) approximates sin(w * pi/2) and cos(w * pi/2)
 * without the rounding error of fround(pi/2). No fit is needed: on
 * |th| <= pi/4 the truncated Taylor series is already below 3e-9 relative.
 */
export function sinCosCoefficients() {
  const kappa = Math.PI / 2 / f(Math.PI / 2);
  let fact = 1;
  const out = { K1: f(kappa - 1), D2: f((1 - kappa * kappa) / 2) };
  for (let k = 2; k <= 10; k++) {
    fact *= k;
    const sign = k % 4 === 2 || k % 4 === 3 ? -1 : 1;
    out[(k % 2 === 1 ? 'S' : 'C') + k] = f((sign * kappa ** k) / fact);
  }
  delete out.C2; // cos uses the exact z/2 plus D2 instead
  return out;
}

function printFit(name, r) {
  console.log(`${name}: minimax err ${r.exactErr.toExponential(3)}, after f32 rounding ${r.f32Err.toExponential(3)} (at ${r.worstAt})`);
  r.coeffs.forEach((c, i) => console.log(`  c${i} = ${f32Literal(c)}`));
}

function main() {
  console.log(`erf rounds to 1 for |x| >= ${erfOneThreshold()}`);
  printFit(`tanh P(y), y in [0, ${TANH_SMALL}^2], relative error of tanh`, fitTanh());
  printFit('erf Q(y), y in [0, 1], relative error of erf', fitErfSmall());
  printFit(`erf G(1/x - ${ERF_MID_CENTER}), x in [1, threshold], relative error of erfc*exp(x^2)`, fitErfMid());
  console.log('sin/cos (trig.ts): Taylor coefficients of sin(kappa th), cos(kappa th), kappa = (pi/2)/fround(pi/2)');
  for (const [k, v] of Object.entries(sinCosCoefficients())) console.log(`  ${k} = ${f32Literal(v)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

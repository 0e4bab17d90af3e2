/**
 * @file Tests of the f32 transcendentals (numeric contract): special values,
 * sampled ulp error against float64 references, symmetry, and recorded
 * SHA-256 digests of the output bits over fixed input grids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { erfF32, expF32, logF32, sinCosTurnsF32, tanhF32 } from '../../src/tensor/math/index.ts';
import { bitsToF32, f32ToBits, ldexpF32, pow2F32 } from '../../src/tensor/math/f32.ts';
import { erf64, sinCosTurns64 } from '../../tools/math/fit.mjs';

const f = Math.fround;
const MIN_SUB = 1.401298464324817e-45; // 2^-149
const MIN_NORMAL = 1.1754943508222875e-38; // 2^-126
const MAX_F32 = 3.4028234663852886e38;

/** Max ulp error bounds stated in docs/numerics-transcendentals.md (exhaustive max rounded up). */
const BOUND = { exp: 2, log: 1, tanh: 2, erf: 2, sin: 2, cos: 2 } as const;

/** Spacing of f32 at the true value t (subnormal spacing below 2^-126). */
function ulpAt(t: number): number {
  const a = Math.abs(t);
  if (a < MIN_NORMAL) return MIN_SUB;
  if (a > MAX_F32) return 2 ** 104;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

function ulpErr(y: number, t: number): number {
  if (y === f(t)) return 0;
  return Math.abs(y - t) / ulpAt(t);
}


/** About `count` f32 inputs: a deterministic stride over the bit patterns of [loBits, hiBits]. */
function stratified(ranges: Array<[number, number]>, count: number): number[] {
  const total = ranges.reduce((n, [lo, hi]) => n + (hi - lo + 1), 0);
  const stride = Math.max(1, Math.floor(total / count)) | 1; // odd: does not align with exponent boundaries
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    for (let b = lo; b <= hi; b += stride) out.push(bitsToF32(b));
  }
  return out;
}

function maxUlp(xs: number[], fn: (x: number) => number, ref: (x: number) => number): { err: number; at: number } {
  let err = 0;
  let at = NaN;
  for (const x of xs) {
    const e = ulpErr(fn(x), ref(x));
    if (e > err) {
      err = e;
      at = x;
    }
  }
  return { err, at };
}

const SAMPLES = 200_000;
const EXP_RANGES: Array<[number, number]> = [
  [0, f32ToBits(89)],
  [0x80000000, f32ToBits(-104)],
];
const LOG_RANGES: Array<[number, number]> = [[1, 0x7f7fffff]];
const TANH_RANGES: Array<[number, number]> = [
  [0, f32ToBits(10)],
  [0x80000000, f32ToBits(-10)],
];
const ERF_RANGES: Array<[number, number]> = [
  [0, f32ToBits(4.5)],
  [0x80000000, f32ToBits(-4.5)],
];
const TURN_RANGES: Array<[number, number]> = [[0, 0x3f7fffff]];

const isNeg0 = (x: number): boolean => Object.is(x, -0);
const isPos0 = (x: number): boolean => Object.is(x, 0);

test('f32 helpers: bit casts and exact scaling', () => {
  assert.equal(f32ToBits(1), 0x3f800000);
  assert.equal(f32ToBits(-0), 0x80000000);
  assert.equal(bitsToF32(0x00000001), MIN_SUB);
  assert.equal(pow2F32(-149), MIN_SUB);
  assert.equal(pow2F32(127), 2 ** 127);
  assert.equal(ldexpF32(1.5, 10), 1536);
  assert.equal(ldexpF32(3, 127), Infinity);
  assert.equal(ldexpF32(-3, 127), -Infinity);
  // Subnormal results are rounded once, ties to even.
  assert.equal(ldexpF32(1.5, -149), 2 * MIN_SUB);
  assert.equal(ldexpF32(1.25, -149), MIN_SUB);
  assert.equal(ldexpF32(1, -150), 0);
  assert.equal(ldexpF32(f(1 + 2 ** -23), -150), MIN_SUB);
  assert.equal(ldexpF32(-1.75, -148), -4 * MIN_SUB);
  assert.ok(isNeg0(ldexpF32(-1, -200)));
  assert.equal(ldexpF32(MIN_SUB, 149), 1);
  assert.equal(ldexpF32(MIN_SUB, 300), Infinity);
});

test('expF32 special values and thresholds', () => {
  assert.ok(Number.isNaN(expF32(NaN)));
  assert.equal(expF32(Infinity), Infinity);
  assert.equal(expF32(-Infinity), 0);
  assert.equal(expF32(0), 1);
  assert.equal(expF32(-0), 1);
  assert.equal(expF32(1), f(Math.E));
  // 0x42b17217 is the largest input with a finite result.
  assert.equal(expF32(bitsToF32(0x42b17217)), f(Math.exp(bitsToF32(0x42b17217))));
  assert.equal(expF32(bitsToF32(0x42b17218)), Infinity);
  assert.equal(expF32(MAX_F32), Infinity);
  // exp(x) > 2^-150 just above -150 ln2 (rounds up to 2^-149), below it rounds to 0.
  assert.equal(expF32(bitsToF32(0xc2cff1b4)), MIN_SUB);
  assert.equal(expF32(bitsToF32(0xc2cff1b5)), 0);
  assert.equal(expF32(-104), 0);
  assert.equal(expF32(-MAX_F32), 0);
  // Around the normal/subnormal boundary (exp(-87.33654) is just above 2^-126) and below it.
  assert.ok(expF32(-87.33654) >= MIN_NORMAL);
  for (const x of [-87.34, -87.5, -90, -95.25, -100, -103]) {
    assert.ok(ulpErr(expF32(x), Math.exp(f(x))) <= 1, `exp(${x})`);
    assert.ok(expF32(x) < MIN_NORMAL);
  }
  // Subnormal and tiny inputs give exactly 1.
  assert.equal(expF32(MIN_SUB), 1);
  assert.equal(expF32(-MIN_SUB), 1);
  assert.equal(expF32(2 ** -30), 1);
});

test('logF32 special values', () => {
  assert.ok(Number.isNaN(logF32(NaN)));
  assert.ok(Number.isNaN(logF32(-1)));
  assert.ok(Number.isNaN(logF32(-MIN_SUB)));
  assert.ok(Number.isNaN(logF32(-Infinity)));
  assert.equal(logF32(0), -Infinity);
  assert.equal(logF32(-0), -Infinity);
  assert.equal(logF32(Infinity), Infinity);
  assert.ok(isPos0(logF32(1)));
  assert.equal(logF32(2), f(Math.LN2));
  // log(fround(e)) = 1 - 3.05e-8 lies just below the midpoint 1 - 2^-25: 1 is 0.51 ulp away.
  assert.ok(ulpErr(logF32(f(Math.E)), Math.log(f(Math.E))) <= BOUND.log);
  assert.equal(logF32(MIN_SUB), f(Math.log(MIN_SUB)));
  assert.equal(logF32(MIN_NORMAL), f(Math.log(MIN_NORMAL)));
  assert.equal(logF32(MAX_F32), f(Math.log(MAX_F32)));
  // Subnormal inputs across the whole subnormal range.
  for (const b of [0x00000001, 0x00000002, 0x00000003, 0x00012345, 0x00400000, 0x007fffff]) {
    const x = bitsToF32(b);
    assert.ok(ulpErr(logF32(x), Math.log(x)) <= BOUND.log, `log(${x})`);
  }
});

test('tanhF32 special values', () => {
  assert.ok(Number.isNaN(tanhF32(NaN)));
  assert.equal(tanhF32(Infinity), 1);
  assert.equal(tanhF32(-Infinity), -1);
  assert.ok(isPos0(tanhF32(0)));
  assert.ok(isNeg0(tanhF32(-0)));
  assert.equal(tanhF32(MIN_SUB), MIN_SUB);
  assert.equal(tanhF32(-MIN_SUB), -MIN_SUB);
  assert.equal(tanhF32(2 ** -20), 2 ** -20);
  assert.equal(tanhF32(9.1), 1);
  assert.equal(tanhF32(-1e30), -1);
  assert.equal(tanhF32(MAX_F32), 1);
  // Both sides of the polynomial / exp switch at 0.625.
  for (const x of [f(0.625 - 2 ** -24), 0.625, f(0.625 + 2 ** -24)]) {
    assert.ok(ulpErr(tanhF32(x), Math.tanh(x)) <= BOUND.tanh, `tanh(${x})`);
  }
});

test('erfF32 special values', () => {
  assert.ok(Number.isNaN(erfF32(NaN)));
  assert.equal(erfF32(Infinity), 1);
  assert.equal(erfF32(-Infinity), -1);
  assert.ok(isPos0(erfF32(0)));
  assert.ok(isNeg0(erfF32(-0)));
  assert.equal(erfF32(MIN_SUB), MIN_SUB);
  assert.ok(ulpErr(erfF32(2 ** -100), 2 ** -100 * 1.1283791670955126) <= 1);
  // 3.9192059 is the smallest f32 with erf rounding to 1; just below it the result is 1 - 2^-24.
  assert.equal(erfF32(3.919205904006958), 1);
  assert.equal(erfF32(bitsToF32(f32ToBits(3.919205904006958) - 1)), f(1 - 2 ** -24));
  assert.equal(erfF32(5), 1);
  assert.equal(erfF32(-MAX_F32), -1);
  for (const x of [f(1 - 2 ** -24), 1, f(1 + 2 ** -23)]) {
    assert.ok(ulpErr(erfF32(x), erf64(x)) <= BOUND.erf, `erf(${x})`);
  }
});

test('sinCosTurnsF32 special values', () => {
  const [sn, cn] = sinCosTurnsF32(NaN);
  assert.ok(Number.isNaN(sn) && Number.isNaN(cn));
  assert.ok(sinCosTurnsF32(Infinity).every(Number.isNaN));
  assert.deepEqual(sinCosTurnsF32(0), [0, 1]);
  assert.ok(isNeg0(sinCosTurnsF32(-0)[0]));
  // Exact quarter turns: the vanishing component is +0 (Object.is semantics here).
  const [s1, c1] = sinCosTurnsF32(0.25);
  assert.equal(s1, 1);
  assert.equal(c1, 0);
  const [s2, c2] = sinCosTurnsF32(0.5);
  assert.equal(s2, 0);
  assert.equal(c2, -1);
  const [s3, c3] = sinCosTurnsF32(0.75);
  assert.equal(s3, -1);
  assert.equal(c3, 0);
  assert.deepEqual(sinCosTurnsF32(1), [0, 1]);
  assert.deepEqual(sinCosTurnsF32(2 ** 30), [0, 1]);
  // Eighth turn: both equal fround(sqrt(1/2)).
  const [s8, c8] = sinCosTurnsF32(0.125);
  assert.equal(s8, f(Math.SQRT1_2));
  assert.equal(c8, f(Math.SQRT1_2));
  // Near the zeros the error stays relative: the smallest results are still within the bound.
  for (const v of [MIN_SUB, 2 ** -30, f(0.5 - 2 ** -25), f(0.5 + 2 ** -24), f(1 - 2 ** -24), f(0.25 - 2 ** -26)]) {
    const [s, c] = sinCosTurnsF32(v);
    const [rs, rc] = sinCosTurns64(v);
    assert.ok(ulpErr(s, rs) <= BOUND.sin, `sin(${v})`);
    assert.ok(ulpErr(c, rc) <= BOUND.cos, `cos(${v})`);
  }
  // Outside [0, 1): periodic and odd/even.
  for (const v of [0.1, 0.3, 0.7, 1.2, 37.6]) {
    const [s, c] = sinCosTurnsF32(v);
    const [rs, rc] = sinCosTurns64(f(v));
    assert.ok(ulpErr(s, rs) <= BOUND.sin && ulpErr(c, rc) <= BOUND.cos, `sinCos(${v})`);
    assert.deepEqual(sinCosTurnsF32(-v), [-s, c]);
  }
});

test('sampled max ulp error is within the documented bounds', () => {
  const cases: Array<[keyof typeof BOUND, number[], (x: number) => number, (x: number) => number]> = [
    ['exp', stratified(EXP_RANGES, SAMPLES), expF32, Math.exp],
    ['log', stratified(LOG_RANGES, SAMPLES), logF32, Math.log],
    ['tanh', stratified(TANH_RANGES, SAMPLES), tanhF32, Math.tanh],
    ['erf', stratified(ERF_RANGES, SAMPLES), erfF32, erf64],
  ];
  const turns = stratified(TURN_RANGES, SAMPLES);
  cases.push(['sin', turns, (v) => sinCosTurnsF32(v)[0], (v) => sinCosTurns64(v)[0]]);
  cases.push(['cos', turns, (v) => sinCosTurnsF32(v)[1], (v) => sinCosTurns64(v)[1]]);
  for (const [name, xs, fn, ref] of cases) {
    assert.ok(xs.length >= SAMPLES * 0.9, `${name}: ${xs.length} samples`);
    const { err, at } = maxUlp(xs, fn, ref);
    assert.ok(err <= BOUND[name], `${name}: ${err} ulp at ${at} exceeds ${BOUND[name]}`);
  }
});

test('tanh and erf are odd bit for bit', () => {
  for (const x of stratified([[0, 0x7f800000]], 100_000)) {
    assert.equal(f32ToBits(tanhF32(-x)), f32ToBits(-tanhF32(x)) >>> 0);
    assert.equal(f32ToBits(erfF32(-x)), f32ToBits(-erfF32(x)) >>> 0);
  }
});

/** SHA-256 of the little-endian f32 output bits (NaN canonicalised to 0x7fc00000). */
function digest(outputs: number[]): string {
  const view = new DataView(new ArrayBuffer(outputs.length * 4));
  outputs.forEach((y, i) => view.setUint32(i * 4, y !== y ? 0x7fc00000 : f32ToBits(y), true));
  return createHash('sha256').update(new Uint8Array(view.buffer)).digest('hex');
}

/** Special and threshold inputs shared by all grids (sign of zero, NaN, Inf, cut-over points). */
const SPECIAL_INPUTS = [
  NaN, Infinity, -Infinity, 0, -0, MIN_SUB, -MIN_SUB, MIN_NORMAL, -MIN_NORMAL, MAX_F32, -MAX_F32,
  1, -1, 0.25, 0.5, 0.75, 0.625, -0.625, 3.919205904006958, 9.1,
  bitsToF32(0x42b17217), bitsToF32(0x42b17218), bitsToF32(0xc2cff1b4), bitsToF32(0xc2cff1b5),
];

/**
 * GRID evenly spaced values of [lo, hi], GRID bit patterns strided through
 * `ranges`, and the specials. Dense enough that a one-ulp change of a single
 * polynomial coefficient changes some output bits.
 */
const GRID = 1_000_000;
function grid(lo: number, hi: number, ranges: Array<[number, number]>): number[] {
  const xs: number[] = [];
  for (let i = 0; i < GRID; i++) xs.push(f(lo + ((hi - lo) * i) / (GRID - 1)));
  return xs.concat(stratified(ranges, GRID), SPECIAL_INPUTS);
}

// Recorded output digests. Changing any of them is a NUMERIC-CONTRACT change:
// every implementation (JS, WASM, CUDA) must move to the new bits together,
// and the change must be deliberate and documented.
const DIGESTS = {
  exp: 'f7799bdb69eb826d2ad9416645cbf06d3b309eedda1b1d4ea7f30b271403c36d',
  log: '616b1f169920258877d23a6fd67da5713921b723536b527633f75ddf585cc7fc',
  tanh: 'b0eb5b9113caa39f7a8240f58f3fea113760e968e1565b3f8d9867dcd4ee9ea3',
  erf: '2bc70f0703d48150e66d70dab708790b785f64da8eaed49905ff7b7d2149a4fd',
  sinCos: 'e1a6ba9a4ce00711e7273e586c2d09db3fd662f70e13486dd9d2b27467eb68d7',
} as const;

test('output bits match the recorded numeric-contract digests', () => {
  const expOut = grid(-104, 89, EXP_RANGES).map(expF32);
  const logOut = grid(0, 100, LOG_RANGES).map(logF32);
  const tanhOut = grid(-10, 10, TANH_RANGES).map(tanhF32);
  const erfOut = grid(-4.5, 4.5, ERF_RANGES).map(erfF32);
  const scOut = grid(0, 1, TURN_RANGES).flatMap((v) => sinCosTurnsF32(v));
  const got = {
    exp: digest(expOut),
    log: digest(logOut),
    tanh: digest(tanhOut),
    erf: digest(erfOut),
    sinCos: digest(scOut),
  };
  assert.deepEqual(got, DIGESTS);
});

// The f32 transcendentals of the numeric contract, ported operation for operation from
// src/tensor/math/*.ts (which define them and document their errors). AssemblyScript f32
// arithmetic rounds every operation, so each line equals the TypeScript `f(...)` line.
// The bit-identity tests compare both over large input sweeps.

const TWO_P24: f32 = 16777216;
const TWO_M64: f32 = 5.421010862427522e-20;
const SHIFTER: f32 = 12582912;

// @ts-ignore: decorator
@inline function bits(x: f32): u32 { return reinterpret<u32>(x); }
// @ts-ignore: decorator
@inline function fromBits(b: u32): f32 { return reinterpret<f32>(b); }

function pow2F32(n: i32): f32 {
  if (n >= -126) return fromBits(<u32>(n + 127) << 23);
  return fromBits(<u32>1 << <u32>(n + 149));
}

/** x * 2^n with one rounding (see math/f32.ts ldexpF32). */
function ldexpF32(x: f32, n: i32): f32 {
  if (x == 0 || x != x || x == Infinity || x == -Infinity) return x;
  let b = bits(x);
  let e = <i32>((b >>> 23) & 0xff);
  if (e == 0) {
    b = bits(x * TWO_P24);
    e = <i32>((b >>> 23) & 0xff);
    n -= 24;
  }
  const sign = b & 0x80000000;
  const t = e + n;
  if (t >= 255) return sign != 0 ? -Infinity : Infinity;
  if (t >= 1) return fromBits((b & 0x807fffff) | (<u32>t << 23));
  if (t <= -24) return sign != 0 ? -0.0 : 0.0;
  const m = fromBits((b & 0x807fffff) | (<u32>127 << 23));
  return (m * TWO_M64) * pow2F32(t - 127 + 64);
}

const LOG2E: f32 = 1.4426950216293335;
const EXP_LN2_HI: f32 = 0.693359375;
const EXP_LN2_LO: f32 = -0.00021219444170128554;
const C2: f32 = 0.5;
const C3: f32 = 0.1666666716337204;
const C4: f32 = 0.0416666679084301;
const C5: f32 = 0.008333333767950535;
const C6: f32 = 0.0013888889225199819;
const C7: f32 = 0.0001984127011382952;
const EXP_OVERFLOW_X: f32 = 88.72283172607422;
const EXP_UNDERFLOW_X: f32 = -104;

export function expF32(x: f32): f32 {
  if (x != x) return NaN;
  if (x > EXP_OVERFLOW_X) return Infinity;
  if (x < EXP_UNDERFLOW_X) return 0;
  const t = x * LOG2E;
  const n = (t + SHIFTER) - SHIFTER;
  const r0 = x - n * EXP_LN2_HI;
  const r = r0 - n * EXP_LN2_LO;
  let p = C6 + r * C7;
  p = C5 + r * p;
  p = C4 + r * p;
  p = C3 + r * p;
  p = C2 + r * p;
  const u = r * p;
  const er: f32 = <f32>1 + (r + r * u);
  return ldexpF32(er, <i32>n);
}

const LOG_LN2_HI: f32 = 0.693145751953125;
const LOG_LN2_LO: f32 = 0.000001428606765330187;
const L1: f32 = 0.6666666865348816;
const L2: f32 = 0.4000000059604645;
const L3: f32 = 0.2857142984867096;
const L4: f32 = 0.2222222238779068;
const L5: f32 = 0.1818181872367859;
const TWO_P23: f32 = 8388608;
const SQRT_HALF_BITS: u32 = 0x3f3504f3;

export function logF32(x: f32): f32 {
  if (x != x || x < 0) return NaN;
  if (x == 0) return -Infinity;
  if (x == Infinity) return Infinity;
  let ix = bits(x);
  let k: i32 = 0;
  if (ix < 0x00800000) {
    ix = bits(x * TWO_P23);
    k = -23;
  }
  ix = ix + (0x3f800000 - SQRT_HALF_BITS);
  k += <i32>(ix >>> 23) - 127;
  const m = fromBits((ix & 0x007fffff) + SQRT_HALF_BITS);
  const fm = m - 1;
  const s = fm / (<f32>2 + fm);
  const z = s * s;
  let r = L4 + z * L5;
  r = L3 + z * r;
  r = L2 + z * r;
  r = L1 + z * r;
  const R = z * r;
  const hfsq = <f32>0.5 * (fm * fm);
  const kf = <f32>k;
  const hi = kf * LOG_LN2_HI;
  const lo = kf * LOG_LN2_LO;
  const t = s * (hfsq + R) + lo;
  return hi + (fm - (hfsq - t));
}

const TANH_SMALL: f32 = 0.625;
const TANH_ONE: f32 = 9.1;
const P0: f32 = -0.3333328;
const P1: f32 = 0.13331406;
const P2: f32 = -0.053736515;
const P3: f32 = 0.020628167;
const P4: f32 = -0.005692296;

export function tanhF32(x: f32): f32 {
  if (x != x) return NaN;
  const a = abs<f32>(x);
  let r: f32;
  if (a < TANH_SMALL) {
    const y = a * a;
    let p = P3 + y * P4;
    p = P2 + y * p;
    p = P1 + y * p;
    p = P0 + y * p;
    r = a + a * (y * p);
  } else if (a < TANH_ONE) {
    const e = expF32(<f32>2 * a);
    r = <f32>1 - <f32>2 / (e + <f32>1);
  } else {
    r = 1;
  }
  return (bits(x) >>> 31) != 0 ? -r : r;
}

const ERF_ONE: f32 = 3.919205904006958;
const Q0: f32 = 0.12837917;
const Q1: f32 = -0.37612626;
const Q2: f32 = 0.11283579;
const Q3: f32 = -0.026853347;
const Q4: f32 = 0.005187162;
const Q5: f32 = -0.0007997853;
const Q6: f32 = 0.00007806904;
const G_CENTER: f32 = 0.625;
const G0: f32 = 0.305953;
const G1: f32 = 0.38228378;
const G2: f32 = -0.17239442;
const G3: f32 = 0.043764442;
const G4: f32 = 0.023285773;
const G5: f32 = -0.04685788;
const G6: f32 = 0.04437397;
const G7: f32 = -0.027830297;
const G8: f32 = -0.0061140023;
const G9: f32 = 0.02906457;

export function erfF32(x: f32): f32 {
  if (x != x) return NaN;
  const a = abs<f32>(x);
  let r: f32;
  if (a < 1) {
    const y = a * a;
    let q = Q5 + y * Q6;
    q = Q4 + y * q;
    q = Q3 + y * q;
    q = Q2 + y * q;
    q = Q1 + y * q;
    q = Q0 + y * q;
    r = a + a * q;
  } else if (a < ERF_ONE) {
    const u = <f32>1 / a - G_CENTER;
    let g = G8 + u * G9;
    g = G7 + u * g;
    g = G6 + u * g;
    g = G5 + u * g;
    g = G4 + u * g;
    g = G3 + u * g;
    g = G2 + u * g;
    g = G1 + u * g;
    g = G0 + u * g;
    const e = expF32(-(a * a));
    r = <f32>1 - e * g;
  } else {
    r = 1;
  }
  return (bits(x) >>> 31) != 0 ? -r : r;
}

// ---- Four lanes at once: the same operations as the scalar functions above, with every
// branch computed and the lane's own branch selected, so each lane's bits equal the
// scalar result (NaN payloads aside: a NaN input is returned as is).

// @ts-ignore: decorator
@inline function splat(x: f32): v128 { return f32x4.splat(x); }

/** ldexpF32(er, n) for er in [0.70, 1.42] (positive, normal) and integral n, per lane. */
function ldexpUnitF32x4(er: v128, n: v128): v128 {
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const b = er;
  const e = v128.and(i32x4.shr_u(b, 23), i32x4.splat(0xff));
  const t = i32x4.add(e, ni);
  const mant = v128.and(b, i32x4.splat(0x807fffff));
  const normal = v128.or(mant, i32x4.shl(t, 23));
  const m = v128.or(mant, i32x4.splat(127 << 23));
  const pow2 = i32x4.shl(i32x4.add(t, i32x4.splat(64)), 23);
  const sub = f32x4.mul(f32x4.mul(m, splat(TWO_M64)), pow2);
  let r = v128.bitselect(normal, sub, i32x4.ge_s(t, i32x4.splat(1)));
  r = v128.bitselect(f32x4.splat(Infinity), r, i32x4.ge_s(t, i32x4.splat(255)));
  return v128.bitselect(f32x4.splat(0), r, i32x4.le_s(t, i32x4.splat(-24)));
}

/** n = nearest(x * log2 e), as expF32 computes it (an integral f32), per lane. */
// @ts-ignore: decorator
@inline function expN(x: v128): v128 {
  return f32x4.sub(f32x4.add(f32x4.mul(x, splat(LOG2E)), splat(SHIFTER)), splat(SHIFTER));
}

/** er = exp(x - n ln2) in [0.70, 1.42], as expF32 computes it, per lane. */
// @ts-ignore: decorator
@inline function expUnit(x: v128, n: v128): v128 {
  const r0 = f32x4.sub(x, f32x4.mul(n, splat(EXP_LN2_HI)));
  const r = f32x4.sub(r0, f32x4.mul(n, splat(EXP_LN2_LO)));
  let p = f32x4.add(splat(C6), f32x4.mul(r, splat(C7)));
  p = f32x4.add(splat(C5), f32x4.mul(r, p));
  p = f32x4.add(splat(C4), f32x4.mul(r, p));
  p = f32x4.add(splat(C3), f32x4.mul(r, p));
  p = f32x4.add(splat(C2), f32x4.mul(r, p));
  const u = f32x4.mul(r, p);
  return f32x4.add(splat(1), f32x4.add(r, f32x4.mul(r, u)));
}

export function expF32x4(x: v128): v128 {
  const n = expN(x);
  let out = ldexpUnitF32x4(expUnit(x, n), n);
  out = v128.bitselect(splat(Infinity), out, f32x4.gt(x, splat(EXP_OVERFLOW_X)));
  out = v128.bitselect(splat(0), out, f32x4.lt(x, splat(EXP_UNDERFLOW_X)));
  return v128.bitselect(x, out, f32x4.ne(x, x));
}

/**
 * expF32 for lanes whose result is a normal number (about -87 < x < 88): the scaling by 2^n
 * is then an exact add to the exponent field. Other lanes get garbage; callers select.
 */
// @ts-ignore: decorator
@inline function expNormalF32x4(x: v128): v128 {
  const n = expN(x);
  return i32x4.add(expUnit(x, n), i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 23));
}

export function tanhF32x4(x: v128): v128 {
  const a = f32x4.abs(x);
  const y = f32x4.mul(a, a);
  let p = f32x4.add(splat(P3), f32x4.mul(y, splat(P4)));
  p = f32x4.add(splat(P2), f32x4.mul(y, p));
  p = f32x4.add(splat(P1), f32x4.mul(y, p));
  p = f32x4.add(splat(P0), f32x4.mul(y, p));
  const small = f32x4.add(a, f32x4.mul(a, f32x4.mul(y, p)));
  const e = expNormalF32x4(f32x4.mul(splat(2), a)); // only selected for 1.25 <= 2a < 18.2
  const mid = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  let r = v128.bitselect(mid, splat(1), f32x4.lt(a, splat(TANH_ONE)));
  r = v128.bitselect(small, r, f32x4.lt(a, splat(TANH_SMALL)));
  r = v128.or(r, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

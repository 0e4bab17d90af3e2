/**
 * @file Float32 building blocks for the numeric contract: rounding, bit casts
 * and exact scaling by powers of two.
 *
 * Every transcendental in this folder is a straight-line sequence of
 * correctly rounded f32 operations (via `f`), exact bit manipulation and
 * comparisons, so the same sequence can be replayed in WebAssembly SIMD
 * (f32x4 mul/add, no FMA) and CUDA (mul.rn/add.rn) with identical bits.
 */

/**
 * Rounds a JS double to the nearest f32 (ties to even). Applied to the exact
 * double result of +, -, *, / or sqrt on f32 inputs it yields the correctly
 * rounded f32 result (a double holds every such product exactly and the
 * double rounding of +, -, /, sqrt is innocuous for f32 inputs).
 *
 * Constants are written `f(literal)`: a JS literal is a double, and an
 * operation with a double operand is not an f32 operation (a port would
 * use fround(literal)), so every constant must itself be an f32 value.
 */
export const f = Math.fround;

// One shared 4-byte scratch viewed three ways; JS is single threaded so a
// module-level buffer is safe and avoids allocation in hot loops.
const scratch = new ArrayBuffer(4);
const F32 = new Float32Array(scratch);
const U32 = new Uint32Array(scratch);

/** 2^23: adding then subtracting 1.5 * 2^23 rounds an f32 to an integer (ties to even). */
export const SHIFTER = 12582912;

/** Returns the IEEE-754 binary32 bit pattern of `x` (rounded to f32 first) as a u32. */
export function f32ToBits(x: number): number {
  F32[0] = x;
  return U32[0] ?? 0;
}

/** Returns the f32 whose bit pattern is the low 32 bits of `bits`. */
export function bitsToF32(bits: number): number {
  U32[0] = bits >>> 0;
  return F32[0] ?? 0;
}

/** True when the sign bit of the f32 `x` is set (so also for -0). */
export function signBit(x: number): boolean {
  return f32ToBits(x) >>> 31 === 1;
}

/**
 * Exact 2^n as an f32 for integer n in [-149, 127] (subnormal powers
 * included); built from bits, so no rounding happens.
 */
export function pow2F32(n: number): number {
  if (n >= -126) return bitsToF32((n + 127) << 23);
  return bitsToF32(1 << (n + 149));
}

const TWO_P24 = 16777216; // 2^24
const TWO_M64 = 5.421010862427522e-20; // 2^-64

/**
 * x * 2^n rounded ONCE to f32 (ties to even), for an f32 `x` and an integer n.
 *
 * - Normal results: the exponent field is rewritten, which is exact.
 * - Overflow: +-Infinity.
 * - Subnormal results: the significand is first placed at 2^-64 (exact,
 *   still normal), then one multiply by a normal power of two performs the
 *   single rounding into the subnormal grid. Splitting the scale this way
 *   avoids the double rounding a naive two-step scaling could cause.
 * - Results below half the smallest subnormal: signed zero.
 * NaN, +-Infinity and +-0 are returned unchanged.
 */
export function ldexpF32(x: number, n: number): number {
  if (x === 0 || x !== x || x === Infinity || x === -Infinity) return x;
  let bits = f32ToBits(x);
  let e = (bits >>> 23) & 0xff;
  if (e === 0) {
    // Subnormal input: normalise exactly (2^24 moves any subnormal into the normal range).
    bits = f32ToBits(f(x * TWO_P24));
    e = (bits >>> 23) & 0xff;
    n -= 24;
  }
  const sign = bits & 0x80000000;
  const t = e + n; // biased exponent of the result
  if (t >= 255) return sign !== 0 ? -Infinity : Infinity;
  if (t >= 1) return bitsToF32((bits & 0x807fffff) | (t << 23));
  // |result| < 2^(t - 126) <= 2^-150: rounds to zero (2^-150 itself ties to even = 0).
  if (t <= -24) return sign !== 0 ? -0 : 0;
  const m = bitsToF32((bits & 0x807fffff) | (127 << 23)); // +-1.mantissa, in [1, 2)
  // t - 127 is in [-150, -127], so t - 127 + 64 is in [-86, -63]: a normal power of two.
  return f(f(m * TWO_M64) * pow2F32(t - 127 + 64));
}

/**
 * @file The plain float codecs: fp32 (lossless), fp16 (IEEE binary16) and bf16 (bfloat16).
 * Conversions are integer bit manipulation with round-to-nearest-even, so every machine
 * produces the same bytes, and they saturate at the largest finite value: a pseudo-gradient
 * entry too large for the format is clipped, never turned into an Inf that the receiver
 * would have to refuse. Wire layouts: docs/codecs.md.
 */
import { checkDecodedFinite, checkFinite, checkSize, CodecError, HEADER_BYTES, readHeader, writeHeader, type Codec } from './codec.ts';
import { checkCount, readF32LE, writeF32LE } from './bytes.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bits nearest to an f32 (ties to even), saturating to ±65504 beyond the
 * largest finite half. Inputs must be finite (NaN/Inf are refused before this is called).
 * @example f32ToF16Bits(1) === 0x3c00; f32ToF16Bits(1e6) === 0x7bff; f32ToF16Bits(-0) === 0x8000
 */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  return f16FromF32Bits(u32[0]!);
}

/** f32ToF16Bits on the bit pattern of the f32 (the codec reads the bits of its whole input at once). */
function f16FromF32Bits(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const e = ((b >>> 23) & 0xff) - 127; // unbiased exponent
  const mant = b & 0x7fffff;
  if (e > 15) return sign | 0x7bff;
  if (e >= -14) {
    // Normal half: keep 10 of the 23 mantissa bits; a carry out of the mantissa correctly
    // bumps the exponent, and a carry into exponent 31 is saturated below.
    const rem = mant & 0x1fff;
    let h = ((e + 15) << 10) | (mant >>> 13);
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
    return sign | (h >= 0x7c00 ? 0x7bff : h);
  }
  // Below 2^-25 (f32 subnormals included) the value rounds to zero; exactly 2^-25 is a tie
  // between 0 and the smallest subnormal 2^-24, and goes to the even one, 0.
  if (e < -25) return sign;
  // Subnormal half: the value in units of 2^-24 is (1.mant) * 2^(e+24), i.e. the 24-bit
  // significand shifted right by -(e+1) bits (14..24). A round-up to 0x400 is the smallest normal.
  const sig = mant | 0x800000;
  const shift = -e - 1;
  const half = 1 << (shift - 1);
  const rem = sig & ((1 << shift) - 1);
  let h = sig >>> shift;
  if (rem > half || (rem === half && (h & 1) === 1)) h++;
  return sign | h;
}

/**
 * The value of binary16 bits (exact in f32). Inf and NaN bits give Inf and NaN.
 * @example f16BitsToF32(0x3c00) === 1; f16BitsToF32(0x0001) === 2 ** -24
 */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
}

/**
 * The bfloat16 bits nearest to an f32 (ties to even), saturating to ±(largest finite bf16)
 * = ±0x7f7f instead of overflowing to Inf. Inputs must be finite.
 * @example f32ToBf16Bits(1) === 0x3f80; f32ToBf16Bits(3.4e38) === 0x7f7f
 */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  return bf16FromF32Bits(u32[0]!);
}

/** f32ToBf16Bits on the bit pattern of the f32 (as a u32 or the same bits as an i32). */
function bf16FromF32Bits(b: number): number {
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even on the top 16 bits. For a
  // finite input the sum neither passes 2^32 (as a u32) nor crosses the sign (as an i32).
  const r = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  return (r & 0x7f80) === 0x7f80 ? (r & 0x8000) | 0x7f7f : r;
}

/**
 * The value of bfloat16 bits (exact in f32). Inf and NaN bits give Inf and NaN.
 * @example bf16BitsToF32(0x3f80) === 1
 */
export function bf16BitsToF32(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

/**
 * fp32: the values as they are, n little-endian f32 after the header; 8 + 4n bytes.
 * @example const c = fp32Codec(); c.decode(c.encode(x), x.length); // equals x bit for bit
 */
export function fp32Codec(): Codec {
  const byteLength = (n: number): number => HEADER_BYTES + 4 * checkCount(n);
  return {
    name: 'fp32',
    byteLength,
    encode(x) {
      checkFinite(x, 'fp32');
      const out = new Uint8Array(byteLength(x.length));
      writeHeader(out, 'fp32', x.length);
      writeF32LE(out, HEADER_BYTES, x, 0, x.length);
      return out;
    },
    decode(bytes, expectedLength) {
      const { n, param } = readHeader(bytes, 'fp32', expectedLength);
      checkSize(bytes, byteLength(n), 'fp32');
      if (param !== 0) throw new CodecError('bad-header', `fp32: parameter ${param}, expected 0`);
      const out = new Float32Array(n);
      readF32LE(bytes, HEADER_BYTES, out, 0, n);
      return checkDecodedFinite(out, 'fp32');
    },
  };
}

/** fp16 and bf16 share the layout (n little-endian u16 after the header); only the bit conversion differs. */
function halfCodec(name: 'fp16' | 'bf16', toBits: (f32Bits: number) => number, expMask: number): Codec {
  const byteLength = (n: number): number => HEADER_BYTES + 2 * checkCount(n);
  // Decoding through a 65536-entry table is exact (every half is an f32) and several times
  // faster than converting each value; it is built on first use.
  let table: Float32Array | undefined;
  const fromBits = name === 'fp16' ? f16BitsToF32 : bf16BitsToF32;
  return {
    name,
    byteLength,
    encode(x) {
      checkFinite(x, name);
      const out = new Uint8Array(byteLength(x.length));
      writeHeader(out, name, x.length);
      // Signed views keep the bit patterns small integers for the JIT; both conversions only
      // shift and mask them, or add less than 2^16 (no int32 overflow for finite inputs).
      const bits = new Int32Array(x.buffer, x.byteOffset, x.length);
      for (let i = 0, o = HEADER_BYTES; i < x.length; i++, o += 2) {
        const h = toBits(bits[i]!);
        out[o] = h;
        out[o + 1] = h >>> 8;
      }
      return out;
    },
    decode(bytes, expectedLength) {
      const { n, param } = readHeader(bytes, name, expectedLength);
      checkSize(bytes, byteLength(n), name);
      if (param !== 0) throw new CodecError('bad-header', `${name}: parameter ${param}, expected 0`);
      if (table === undefined) {
        table = new Float32Array(65536);
        for (let h = 0; h < 65536; h++) table[h] = fromBits(h);
      }
      const out = new Float32Array(n);
      for (let i = 0, o = HEADER_BYTES; i < n; i++, o += 2) {
        const h = bytes[o]! | (bytes[o + 1]! << 8);
        // All exponent bits set is Inf or NaN in both formats.
        if ((h & expMask) === expMask) throw new CodecError('non-finite', `${name}: element ${i} has bits 0x${h.toString(16)} (Inf or NaN)`);
        out[i] = table[h]!;
      }
      return out;
    },
  };
}

/**
 * fp16: IEEE binary16, round to nearest even, saturating at ±65504; 8 + 2n bytes. Relative
 * error <= 2^-11 for |x| in [2^-14, 65504]; smaller values lose relative precision
 * (subnormals), |x| < 2^-25 becomes ±0.
 * @example const c = fp16Codec(); c.decode(c.encode(Float32Array.of(0.1)), 1); // [0.0999755859375]
 */
export function fp16Codec(): Codec {
  return halfCodec('fp16', f16FromF32Bits, 0x7c00);
}

/**
 * bf16: the top 16 bits of the f32, round to nearest even, saturating at ±(2 - 2^-7) * 2^127;
 * 8 + 2n bytes. Relative error <= 2^-8 for normal values (same range as f32).
 * @example const c = bf16Codec(); c.decode(c.encode(Float32Array.of(0.1)), 1); // [0.10009765625]
 */
export function bf16Codec(): Codec {
  return halfCodec('bf16', bf16FromF32Bits, 0x7f80);
}

/**
 * @file fp4 E3M0: Streaming DiLoCo's 4-bit outer gradients (1 sign bit, 3 exponent bits,
 * no mantissa), with one f32 scale per block of B values.
 *
 * A code is sign << 3 | e. e = 0 is zero; e = 1..7 is scale * 2^(e - 7), so a block spans
 * scale * [2^-6, 1] in powers of two, with scale = max |x| in the block (the largest value
 * is exact). Rounding is to the nearest representable magnitude in the linear domain, ties
 * to the larger one; the worst relative error is 1/3 (halfway between 2^(k-1) and 2^k).
 */
import { checkFinite, checkSize, CodecError, HEADER_BYTES, readHeader, writeHeader, type Codec } from './codec.ts';
import { checkCount, readF32LE, writeF32LE } from './bytes.ts';

export interface Fp4CodecInit {
  /** Values per block, each block with its own f32 scale: 1..65535 (default 128). */
  blockSize?: number;
}

function checkBlockSize(b: number): number {
  if (!Number.isInteger(b) || b < 1 || b > 0xffff) throw new CodecError('bad-header', `fp4: block size ${b}, expected 1..65535`);
  return b;
}

/** Exact payload size: 8 + 4 ceil(n / B) + ceil(n / 2). */
function fp4Bytes(n: number, b: number): number {
  return HEADER_BYTES + 4 * Math.ceil(n / b) + Math.ceil(n / 2);
}

/**
 * fp4 E3M0 with a per-block f32 scale (see the file comment). Header parameter = B; body =
 * all ceil(n/B) block scales (f32), then the n codes packed two per byte, low nibble first,
 * a zero nibble padding an odd n; 8 + 4 ceil(n/B) + ceil(n/2) bytes. Error per value:
 * |x - decoded| <= max(|x| / 3, scale * 2^-7). Decoding accepts any valid block size in the
 * header; it refuses a negative, -0 or non-finite scale, a negative-zero code (8) and a
 * non-zero padding nibble.
 * @example const c = fp4Codec({ blockSize: 64 }); const y = c.decode(c.encode(x), x.length);
 */
export function fp4Codec(init: Fp4CodecInit = {}): Codec {
  const blockSize = checkBlockSize(init.blockSize ?? 128);
  return {
    name: 'fp4',
    byteLength: (n) => fp4Bytes(checkCount(n), blockSize),
    encode(x) {
      checkFinite(x, 'fp4');
      const n = x.length;
      const blocks = Math.ceil(n / blockSize);
      const out = new Uint8Array(fp4Bytes(n, blockSize));
      writeHeader(out, 'fp4', n, blockSize);
      const scales = new Float32Array(blocks);
      for (let j = 0; j < blocks; j++) {
        let s = 0; // +0: Math.abs never returns -0, so an all-zero block has scale +0
        for (let i = j * blockSize, end = Math.min(n, i + blockSize); i < end; i++) s = Math.max(s, Math.abs(x[i]!));
        scales[j] = s;
      }
      writeF32LE(out, HEADER_BYTES, scales, 0, blocks);
      const codes = HEADER_BYTES + 4 * blocks;
      for (let j = 0; j < blocks; j++) {
        const s = scales[j]!;
        if (s === 0) continue; // all codes 0, already in place
        // The magnitude code e is the number of thresholds |x| reaches: t0 = s * 2^-7 lies
        // between 0 and s * 2^-6, t_e = 0.75 * s * 2^(e-6) between codes e and e + 1. Each is
        // exact in a double (an f32 times 3/4 times a power of two), so the comparisons are
        // exact and a tie goes to the larger magnitude; counting avoids branches.
        const t0 = s * 2 ** -7;
        const t1 = 0.75 * s * 2 ** -5;
        const t2 = 0.75 * s * 2 ** -4;
        const t3 = 0.75 * s * 2 ** -3;
        const t4 = 0.75 * s * 2 ** -2;
        const t5 = 0.75 * s * 2 ** -1;
        const t6 = 0.75 * s;
        for (let i = j * blockSize, end = Math.min(n, i + blockSize); i < end; i++) {
          const v = x[i]!;
          const a = Math.abs(v);
          const e = +(a >= t0) + +(a >= t1) + +(a >= t2) + +(a >= t3) + +(a >= t4) + +(a >= t5) + +(a >= t6);
          const code = e === 0 ? 0 : v < 0 ? 8 | e : e; // never the negative-zero code 8
          out[codes + (i >>> 1)]! |= (i & 1) === 0 ? code : code << 4;
        }
      }
      return out;
    },
    decode(bytes, expectedLength) {
      const { n, param } = readHeader(bytes, 'fp4', expectedLength);
      const b = checkBlockSize(param);
      checkSize(bytes, fp4Bytes(n, b), 'fp4');
      const blocks = Math.ceil(n / b);
      const scales = new Float32Array(blocks);
      readF32LE(bytes, HEADER_BYTES, scales, 0, blocks);
      for (let j = 0; j < blocks; j++) {
        const s = scales[j]!;
        if (!Number.isFinite(s)) throw new CodecError('non-finite', `fp4: scale of block ${j} is ${s}`);
        if (s < 0 || Object.is(s, -0)) throw new CodecError('bad-value', `fp4: scale of block ${j} is ${s}, expected >= +0`);
      }
      // The 16 code values of each block: codes 0 and 8 give 0 (8 is refused below).
      const out = new Float32Array(n);
      const table = new Float32Array(16);
      const codes = HEADER_BYTES + 4 * blocks;
      for (let j = 0; j < blocks; j++) {
        const s = scales[j]!;
        for (let e = 1; e < 8; e++) {
          table[e] = s * 2 ** (e - 7);
          table[8 | e] = -table[e]!;
        }
        for (let i = j * b, end = Math.min(n, i + b); i < end; i++) {
          const code = (bytes[codes + (i >>> 1)]! >>> ((i & 1) * 4)) & 0xf;
          if (code === 8) throw new CodecError('bad-value', `fp4: element ${i} has the negative-zero code`);
          out[i] = table[code]!;
        }
      }
      if ((n & 1) === 1 && bytes[codes + (n >>> 1)]! >>> 4 !== 0) throw new CodecError('bad-value', 'fp4: non-zero padding nibble');
      return out;
    },
  };
}

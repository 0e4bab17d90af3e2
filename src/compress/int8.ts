/**
 * @file int8: INTELLECT-1's 8-bit pseudo-gradient quantisation, in blocks.
 *
 * Per block of B = 2^p values: the range [mean - 6 sigma, mean + 6 sigma] is cut into 256
 * buckets of equal width; each value becomes the index of its bucket (values outside the
 * range go to the end buckets), and the block carries a codebook of 256 f32 holding the mean
 * of the values that fell in each bucket (an empty bucket holds its centre). Blocks, rather
 * than one range per tensor, bound the damage one outlier does to its neighbours' resolution
 * and let a receiver decode a stream block by block.
 *
 * Determinism: mean, sigma and the bucket sums are plain JS doubles accumulated in index
 * order; every step is one IEEE-754 operation (Math.sqrt included), so every machine
 * gets the same codebook and indices.
 */
import { checkFinite, checkSize, CodecError, HEADER_BYTES, readHeader, writeHeader, type Codec } from './codec.ts';
import { checkCount, readF32LE, writeF32LE } from './bytes.ts';

const BUCKETS = 256;
const RANGE_SIGMAS = 6;
const CODEBOOK_BYTES = 4 * BUCKETS;
/** The largest block exponent: a block of 2^31 already exceeds any useful payload. */
const MAX_BLOCK_LOG2 = 31;

export interface Int8CodecInit {
  /** Block size B = 2^blockLog2 values, each block with its own range and codebook (default 16: 65536). */
  blockLog2?: number;
}

function checkBlockLog2(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > MAX_BLOCK_LOG2) throw new CodecError('bad-header', `int8: block size 2^${p}, expected 2^0..2^${MAX_BLOCK_LOG2}`);
  return p;
}

/** Exact payload size for n values in blocks of 2^p: 8 + 1024 ceil(n / 2^p) + n. */
function int8Bytes(n: number, p: number): number {
  return HEADER_BYTES + CODEBOOK_BYTES * Math.ceil(n / 2 ** p) + n;
}

/** Quantise x[from, from + len) into `idx` (the block's index bytes) and `book` (256 f32). */
function quantiseBlock(x: Float32Array, from: number, len: number, idx: Uint8Array, book: Float32Array, sums: Float64Array, counts: Uint32Array): void {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += x[from + i]!;
  const mean = sum / len;
  let sq = 0;
  for (let i = 0; i < len; i++) {
    const d = x[from + i]! - mean;
    sq += d * d;
  }
  const sigma = Math.sqrt(sq / len);
  const lo = mean - RANGE_SIGMAS * sigma;
  const width = (2 * RANGE_SIGMAS * sigma) / BUCKETS;
  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < len; i++) {
    const v = x[from + i]!;
    // width 0 (a constant block) puts everything in bucket 0, whose mean is then exact.
    // The clamp also catches (v - lo) / width overflowing to Inf for extreme outliers.
    let k = width > 0 ? Math.floor((v - lo) / width) : 0;
    k = k < 0 ? 0 : k > BUCKETS - 1 ? BUCKETS - 1 : k;
    idx[i] = k;
    sums[k]! += v;
    counts[k]!++;
  }
  for (let k = 0; k < BUCKETS; k++) {
    const c = counts[k]!;
    book[k] = c > 0 ? sums[k]! / c : lo + (k + 0.5) * width;
  }
}

/**
 * int8 in blocks of 2^blockLog2 values (INTELLECT-1's scheme, see the file comment).
 * Header parameter = blockLog2; body = for each block, 256 f32 codebook then its u8 indices;
 * 8 + 1024 ceil(n/B) + n bytes. Error: |x - decoded| <= bucket width (12 sigma / 256 of the
 * block) for values inside the range; a clipped value decodes to its end bucket's codebook
 * value. Decoding accepts any valid block exponent in the header, not only this codec's.
 * @example const c = int8Codec({ blockLog2: 12 }); const y = c.decode(c.encode(x), x.length);
 */
export function int8Codec(init: Int8CodecInit = {}): Codec {
  const p = checkBlockLog2(init.blockLog2 ?? 16);
  return {
    name: 'int8',
    byteLength: (n) => int8Bytes(checkCount(n), p),
    encode(x) {
      checkFinite(x, 'int8');
      const n = x.length;
      const B = 2 ** p;
      const out = new Uint8Array(int8Bytes(n, p));
      writeHeader(out, 'int8', n, p);
      const book = new Float32Array(BUCKETS);
      const sums = new Float64Array(BUCKETS);
      const counts = new Uint32Array(BUCKETS);
      for (let from = 0, o = HEADER_BYTES; from < n; from += B) {
        const len = Math.min(B, n - from);
        quantiseBlock(x, from, len, out.subarray(o + CODEBOOK_BYTES, o + CODEBOOK_BYTES + len), book, sums, counts);
        writeF32LE(out, o, book, 0, BUCKETS);
        o += CODEBOOK_BYTES + len;
      }
      return out;
    },
    decode(bytes, expectedLength) {
      const { n, param } = readHeader(bytes, 'int8', expectedLength);
      const bp = checkBlockLog2(param);
      checkSize(bytes, int8Bytes(n, bp), 'int8');
      const B = 2 ** bp;
      const out = new Float32Array(n);
      const book = new Float32Array(BUCKETS);
      for (let from = 0, o = HEADER_BYTES; from < n; from += B) {
        const len = Math.min(B, n - from);
        readF32LE(bytes, o, book, 0, BUCKETS);
        // Check the whole codebook, used entries or not: an encoder never writes NaN/Inf.
        for (let k = 0; k < BUCKETS; k++) {
          if (!Number.isFinite(book[k]!)) throw new CodecError('non-finite', `int8: codebook entry ${k} of block ${from / B} is ${book[k]}`);
        }
        o += CODEBOOK_BYTES;
        for (let i = 0; i < len; i++) out[from + i] = book[bytes[o + i]!]!;
        o += len;
      }
      return out;
    },
  };
}

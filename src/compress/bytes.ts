/**
 * @file Little-endian f32 fields inside payloads (internal to compress/). The bytes are
 * assembled by hand so the wire format is the same on big-endian hosts, and so a field may
 * sit at any offset (a payload can be a subarray of a larger, unaligned buffer). On a
 * little-endian host (all the usual ones) the bytes are already in wire order and are copied
 * in bulk instead.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Write `count` f32 values of `src` (from `from`) as little-endian bytes at `out[offset]`.
 * @example writeF32LE(out, 8, x, 0, x.length);
 */
export function writeF32LE(out: Uint8Array, offset: number, src: Float32Array, from: number, count: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(src.buffer, src.byteOffset + 4 * from, 4 * count), offset);
    return;
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset + 4 * from, count);
  for (let i = 0, o = offset; i < count; i++, o += 4) {
    const b = bits[i]!;
    out[o] = b;
    out[o + 1] = b >>> 8;
    out[o + 2] = b >>> 16;
    out[o + 3] = b >>> 24;
  }
}

/**
 * Read `count` little-endian f32 values at `bytes[offset]` into `dst` (from `to`). Bits are
 * copied as they are, NaN payloads included: callers check finiteness afterwards.
 * @example readF32LE(bytes, 8, out, 0, n);
 */
export function readF32LE(bytes: Uint8Array, offset: number, dst: Float32Array, to: number, count: number): void {
  if (LITTLE_ENDIAN) {
    new Uint8Array(dst.buffer, dst.byteOffset + 4 * to, 4 * count).set(bytes.subarray(offset, offset + 4 * count));
    return;
  }
  const bits = new Uint32Array(dst.buffer, dst.byteOffset + 4 * to, count);
  for (let i = 0, o = offset; i < count; i++, o += 4) {
    bits[i] = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
  }
}

/**
 * The element count of a payload header or a byteLength argument, as a checked integer.
 * @example checkCount(n); // throws RangeError for -1, 1.5 or 2**32
 */
export function checkCount(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`element count ${n} is not an integer in [0, 2^32)`);
  return n;
}

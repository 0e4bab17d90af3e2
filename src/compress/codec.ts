/**
 * @file The codec contract shared by every pseudo-gradient / gradient codec.
 *
 * A codec turns a flat Float32Array into bytes and back. Encoding is deterministic (the same
 * input gives the same bytes on every machine), the encoded size is an exact function of
 * the element count (`byteLength(n)`), and decoding is strict: a payload that is truncated,
 * too long, for another codec or wire version, or that decodes to NaN/Inf, throws a
 * CodecError with a named reason and never returns a partial result.
 *
 * Every payload starts with the same 8-byte header (docs/codecs.md):
 *   byte 0     wire version (WIRE_VERSION)
 *   byte 1     codec id (CODEC_IDS)
 *   bytes 2-3  codec parameter (u16 LE; 0 where the codec has none)
 *   bytes 4-7  element count n (u32 LE)
 */

export const WIRE_VERSION = 1;
export const HEADER_BYTES = 8;

/** Wire ids; never reuse a number once a payload with it may exist. */
export const CODEC_IDS = { fp32: 1, fp16: 2, bf16: 3, int8: 4, fp4: 5, 'dct-topk': 6 } as const;
export type CodecName = keyof typeof CODEC_IDS;

export type CodecErrorReason =
  | 'truncated' // fewer bytes than the header or the body needs
  | 'oversized' // more bytes than the body needs
  | 'bad-header' // unknown wire version, reserved bits set, impossible parameter
  | 'wrong-codec' // a payload of another codec
  | 'wrong-length' // element count differs from what the caller expects
  | 'bad-value' // a field out of its range (an index past the block, an unsorted index list)
  | 'non-finite'; // NaN or Inf in the input to encode, or produced by decoding

/** Every codec failure; `reason` says which check refused the payload. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(readonly reason: CodecErrorReason, message: string) {
    super(`${reason}: ${message}`);
  }
}

export interface Codec {
  readonly name: CodecName;
  /** Exact size in bytes of `encode(x)` for `x.length === n`, header included. */
  byteLength(n: number): number;
  /** @throws CodecError('non-finite') when `x` holds NaN or Inf. */
  encode(x: Float32Array): Uint8Array;
  /**
   * Decode a payload. When `expectedLength` is given, a payload of another length is refused
   * ('wrong-length') before anything is allocated for it.
   */
  decode(bytes: Uint8Array, expectedLength?: number): Float32Array;
}

/** Write the common header into the first 8 bytes of `out`. */
export function writeHeader(out: Uint8Array, codec: CodecName, n: number, param = 0): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`element count ${n} does not fit the u32 header field`);
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setUint8(0, WIRE_VERSION);
  view.setUint8(1, CODEC_IDS[codec]);
  view.setUint16(2, param, true);
  view.setUint32(4, n, true);
}

export interface Header {
  readonly n: number;
  readonly param: number;
}

/**
 * Check the header of a payload for `codec` and return its element count and parameter.
 * Refuses, in this order: truncated header, wire version, codec id, expected length.
 */
export function readHeader(bytes: Uint8Array, codec: CodecName, expectedLength?: number): Header {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('bad-header', 'payload is not a Uint8Array');
  if (bytes.length < HEADER_BYTES) throw new CodecError('truncated', `${bytes.length} bytes, less than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = view.getUint8(0);
  if (version !== WIRE_VERSION) throw new CodecError('bad-header', `wire version ${version}, expected ${WIRE_VERSION}`);
  const id = view.getUint8(1);
  if (id !== CODEC_IDS[codec]) throw new CodecError('wrong-codec', `codec id ${id}, expected ${CODEC_IDS[codec]} (${codec})`);
  const n = view.getUint32(4, true);
  if (expectedLength !== undefined && n !== expectedLength) throw new CodecError('wrong-length', `payload holds ${n} values, expected ${expectedLength}`);
  return { n, param: view.getUint16(2, true) };
}

/** Refuse a payload whose total size is not exactly `expected` bytes. */
export function checkSize(bytes: Uint8Array, expected: number, codec: CodecName): void {
  if (bytes.length < expected) throw new CodecError('truncated', `${codec}: ${bytes.length} bytes, expected ${expected}`);
  if (bytes.length > expected) throw new CodecError('oversized', `${codec}: ${bytes.length} bytes, expected ${expected}`);
}

/** Refuse NaN/Inf in the input of encode. */
export function checkFinite(x: Float32Array, codec: CodecName): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new CodecError('non-finite', `${codec}: input element ${i} is ${x[i]}`);
  }
}

/** Refuse NaN/Inf in a decoded result (a hostile payload can carry them in f32/f16 fields). */
export function checkDecodedFinite(x: Float32Array, codec: CodecName): Float32Array {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new CodecError('non-finite', `${codec}: decoded element ${i} is ${x[i]}`);
  }
  return x;
}

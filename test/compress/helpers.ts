/**
 * @file Shared by the codec tests: seeded inputs and the malformed-payload checks that every
 * codec must pass (the header and size rules of src/compress/codec.ts).
 */
import assert from 'node:assert/strict';
import { CODEC_IDS, CodecError, type Codec, type CodecErrorReason } from '../../src/compress/index.ts';
import { seededRandom } from '../helpers.ts';

/** A small seeded generator (mulberry32) so the tests do not depend on the tensor layer. */
export const rng = seededRandom;

/** n draws of N(0, scale^2), rounded to f32. */
export function normals(n: number, seed: number, scale = 1): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Heavy-tailed draws (Student t with 1.5 degrees of freedom-like tails): normal / u^(2/3). */
export function heavy(n: number, seed: number, scale = 1): Float32Array {
  const z = normals(n, seed, scale);
  const u = rng(seed + 1);
  for (let i = 0; i < n; i++) z[i] = z[i]! / Math.max(1e-6, u()) ** (2 / 3);
  return z;
}

/** Run `fn` and require a CodecError with `reason`; nothing may be returned. */
export function refuses(fn: () => unknown, reason: CodecErrorReason, what = ''): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CodecError, `${what}: expected a CodecError, got ${String(e)}`);
    assert.equal(e.reason, reason, `${what}: ${e.message}`);
    return true;
  });
}

/** A copy of `bytes` with `edit` applied. */
export function edited(bytes: Uint8Array, edit: (b: Uint8Array, view: DataView) => void): Uint8Array {
  const b = bytes.slice();
  edit(b, new DataView(b.buffer));
  return b;
}

/**
 * The checks every codec's decoder must pass on a valid payload of n values: refusals for
 * every truncation, one extra byte, another codec id, another wire version, another expected
 * length and a huge claimed n; and the same values from an unaligned copy.
 */
export function checkMalformed(codec: Codec, payload: Uint8Array, n: number): void {
  const good = codec.decode(payload, n);
  assert.equal(good.length, n);
  for (let len = 0; len < payload.length; len++) refuses(() => codec.decode(payload.subarray(0, len)), 'truncated', `prefix ${len}`);
  const longer = new Uint8Array(payload.length + 1);
  longer.set(payload);
  refuses(() => codec.decode(longer), 'oversized', 'one extra byte');
  for (const id of Object.values(CODEC_IDS)) {
    if (id === CODEC_IDS[codec.name]) continue;
    refuses(() => codec.decode(edited(payload, (b) => (b[1] = id))), 'wrong-codec', `codec id ${id}`);
  }
  refuses(() => codec.decode(edited(payload, (b) => (b[1] = 0))), 'wrong-codec', 'codec id 0');
  for (const version of [0, 2, 255]) refuses(() => codec.decode(edited(payload, (b) => (b[0] = version))), 'bad-header', `version ${version}`);
  refuses(() => codec.decode(payload, n + 1), 'wrong-length', 'expected n + 1');
  if (n > 0) refuses(() => codec.decode(payload, n - 1), 'wrong-length', 'expected n - 1');
  // A header claiming 2^32 - 1 values over a short body: refused on size, before allocating.
  const huge = edited(payload, (_, v) => v.setUint32(4, 0xffffffff, true));
  refuses(() => codec.decode(huge), 'truncated', 'huge n');
  refuses(() => codec.decode(huge, 0xffffffff), 'truncated', 'huge n, expected');
  refuses(() => codec.decode([...payload] as unknown as Uint8Array), 'bad-header', 'a plain array');
  // The same payload at an odd offset inside a larger buffer decodes to the same bits.
  const host = new Uint8Array(payload.length + 3);
  host.set(payload, 3);
  assert.deepEqual(bitsOf(codec.decode(host.subarray(3), n)), bitsOf(good));
}

/** The bit patterns of f32 values (so -0 and 0 differ, and NaN compares equal to itself). */
export function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(Float32Array.from(x).buffer);
}

/** Encode twice (from two copies) and require identical bytes of the stated length. */
export function checkDeterministicSize(codec: Codec, x: Float32Array, expectedBytes: number): Uint8Array {
  const a = codec.encode(x);
  const b = codec.encode(Float32Array.from(x));
  assert.equal(a.length, expectedBytes, `${codec.name} n=${x.length}: ${a.length} bytes, formula says ${expectedBytes}`);
  assert.equal(codec.byteLength(x.length), expectedBytes);
  assert.deepEqual(a, b);
  return a;
}

/** Encoding refuses NaN, Inf and -Inf at the first, middle and last position. */
export function checkEncodeRefusesNonFinite(codec: Codec): void {
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const at of [0, 4, 8]) {
      const x = normals(9, 5);
      x[at] = bad;
      refuses(() => codec.encode(x), 'non-finite', `${bad} at ${at}`);
    }
  }
}

/**
 * fp4 E3M0 with per-block scales: hand-checked codes and ties, nearest-magnitude rounding
 * against a brute-force search, the error bound, the exact byte count, and refusal of
 * malformed payloads (bad scales, the negative-zero code, a non-zero padding nibble).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fp4Codec } from '../../src/compress/index.ts';
import { bitsOf, checkDeterministicSize, checkEncodeRefusesNonFinite, checkMalformed, edited, heavy, normals, refuses } from './helpers.ts';

const bytesFor = (n: number, B: number): number => 8 + 4 * Math.ceil(n / B) + Math.ceil(n / 2);

test('fp4: hand-checked codes, ties to the larger magnitude, no negative zero', () => {
  const c = fp4Codec({ blockSize: 8 });
  // Scale 1: magnitudes 0, 2^-6 .. 2^-1, 1; ties at 2^-7 and 0.75 * 2^k go up.
  const x = Float32Array.of(1, 0.75, 0.7499, 2 ** -7, 0.0078, -0.75, 0, -0, /* block 2 */ -4, 3, 0.09375, -(2 ** -5));
  const bytes = c.encode(x);
  assert.deepEqual([...bytes.subarray(0, 8)], [1, 5, 8, 0, 12, 0, 0, 0]);
  const view = new DataView(bytes.buffer);
  assert.equal(view.getFloat32(8, true), 1);
  assert.equal(view.getFloat32(12, true), 4);
  // Codes, low nibble first: [7, 7, 6, 1, 0, 8|7, 0, 0], then at scale 4 (magnitudes
  // 0.0625 .. 4): -4 -> 8|7; 3 ties 2 and 4 -> 7; 0.09375 ties 0.0625 and 0.125 -> 2;
  // -0.03125 ties 0 and 0.0625 -> 8|1.
  assert.deepEqual([...bytes.subarray(16)], [0x77, 0x16, 0xf0, 0x00, 0x7f, 0x92]);
  assert.deepEqual([...c.decode(bytes, 12)], [1, 1, 0.5, 2 ** -6, 0, -1, 0, 0, -4, 4, 0.125, -0.0625]);
  assert.ok(!c.decode(bytes).some((v) => Object.is(v, -0)), 'no -0 from a -0 input');
});

/** The nearest magnitude among 0 and s * 2^-6 .. s (ties to the larger), by brute force. */
function nearest(a: number, s: number): number {
  let best = 0;
  for (let e = 1; e <= 7; e++) {
    const m = s * 2 ** (e - 7);
    if (Math.abs(a - m) <= Math.abs(a - best)) best = m;
  }
  return best;
}

test('fp4: nearest magnitude, error <= max(|x|/3, scale * 2^-7), exact byte count, deterministic', () => {
  for (const B of [128, 1, 3, 64]) {
    const c = fp4Codec(B === 128 ? {} : { blockSize: B });
    for (const n of [0, 1, 2, B - 1, B, B + 1, 2 * B + 1, 1001]) {
      for (const x of [normals(n, n + B), heavy(n, n + 2 * B, 1e-3), normals(n, n, 1e20)]) {
        const bytes = checkDeterministicSize(c, x, bytesFor(n, B));
        const y = c.decode(bytes, n);
        const view = new DataView(bytes.buffer);
        for (let i = 0; i < n; i++) {
          const j = Math.floor(i / B);
          const s = x.subarray(j * B, Math.min(n, (j + 1) * B)).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          assert.equal(view.getFloat32(8 + 4 * j, true), s, 'scale = max |x| of the block');
          const a = Math.abs(x[i]!);
          assert.equal(Math.abs(y[i]!), Math.fround(nearest(a, s)), `${x[i]} at scale ${s}`);
          if (y[i] !== 0) assert.equal(Math.sign(y[i]!), Math.sign(x[i]!));
          assert.ok(Math.abs(x[i]! - y[i]!) <= Math.max(a / 3, s * 2 ** -7) * (1 + 2 ** -20), `${x[i]} -> ${y[i]}`);
        }
      }
    }
  }
  assert.equal(fp4Codec().byteLength(1_000_000), 8 + 4 * 7813 + 500_000);
});

test('fp4: an all-zero block has scale +0 and decodes to +0', () => {
  const c = fp4Codec({ blockSize: 4 });
  const x = Float32Array.of(0, -0, 0, 0, 1, -1, 0.5, 0);
  const bytes = c.encode(x);
  assert.deepEqual([...bytes.subarray(8, 12)], [0, 0, 0, 0]);
  assert.deepEqual(bitsOf(c.decode(bytes).subarray(0, 4)), new Uint32Array(4));
});

test('fp4: bad scales, the negative-zero code and a padding nibble are refused', () => {
  const c = fp4Codec({ blockSize: 4 });
  const n = 9; // 3 blocks, codes at bytes 20..24, the last byte's high nibble is padding
  const good = c.encode(normals(n, 4));
  for (const [bits, reason] of [[0x7fc00000, 'non-finite'], [0x7f800000, 'non-finite'], [0xff800000, 'non-finite'], [0xbf800000, 'bad-value'], [0x80000000, 'bad-value']] as const) {
    for (const j of [0, 2]) refuses(() => c.decode(edited(good, (_, v) => v.setUint32(8 + 4 * j, bits, true)), n), reason, `scale 0x${bits.toString(16)} in block ${j}`);
  }
  const codes = 8 + 4 * 3;
  refuses(() => c.decode(edited(good, (b) => (b[codes] = (b[codes]! & 0xf0) | 8)), n), 'bad-value', 'negative zero, low nibble');
  refuses(() => c.decode(edited(good, (b) => (b[codes + 1] = (b[codes + 1]! & 0x0f) | 0x80)), n), 'bad-value', 'negative zero, high nibble');
  for (const pad of [1, 8, 15]) refuses(() => c.decode(edited(good, (b) => (b[codes + 4] = (b[codes + 4]! & 0x0f) | (pad << 4))), n), 'bad-value', `padding ${pad}`);
  refuses(() => c.decode(edited(good, (_, v) => v.setUint16(2, 0, true))), 'bad-header', 'block size 0');
  refuses(() => c.decode(edited(good, (_, v) => v.setUint16(2, 5, true))), 'oversized', 'block size 5 over a block-size-4 body');
  for (const B of [0, -1, 1.5, 65536]) refuses(() => fp4Codec({ blockSize: B }), 'bad-header', `init block size ${B}`);
  // Decoding follows the header's block size, whatever the codec was made with.
  const x = normals(50, 3);
  assert.deepEqual(fp4Codec().decode(fp4Codec({ blockSize: 7 }).encode(x)), fp4Codec({ blockSize: 7 }).decode(fp4Codec({ blockSize: 7 }).encode(x)));
});

test('fp4: malformed payloads are refused by name', () => {
  for (const [B, n] of [[4, 0], [4, 1], [4, 9], [128, 10], [1, 3]] as const) {
    const c = fp4Codec({ blockSize: B });
    checkMalformed(c, c.encode(normals(n, 2)), n);
  }
});

test('fp4: encode refuses NaN and Inf', () => {
  checkEncodeRefusesNonFinite(fp4Codec());
  checkEncodeRefusesNonFinite(fp4Codec({ blockSize: 2 }));
});

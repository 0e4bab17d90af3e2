/**
 * int8 (INTELLECT-1 style, in blocks): the payload is parsed here from its documented layout
 * and checked against statistics recomputed in the test: bucket indices, codebook means,
 * the error bound, clipping to the end buckets, constant blocks, and malformed payloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int8Codec } from '../../src/compress/index.ts';
import { bitsOf, checkDeterministicSize, checkEncodeRefusesNonFinite, checkMalformed, edited, heavy, normals, refuses } from './helpers.ts';

const bytesFor = (n: number, B: number): number => 8 + 1024 * Math.ceil(n / B) + n;

/** Check a payload of x in blocks of B against the scheme; returns how many values were clipped. */
function checkPayload(x: Float32Array, bytes: Uint8Array, y: Float32Array, B: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  assert.equal(2 ** view.getUint16(2, true), B);
  let clipped = 0;
  let o = 8;
  for (let from = 0; from < x.length; from += B) {
    const len = Math.min(B, x.length - from);
    const block = x.subarray(from, from + len);
    const mean = block.reduce((s, v) => s + v, 0) / len;
    const sigma = Math.sqrt(block.reduce((s, v) => s + (v - mean) ** 2, 0) / len);
    const lo = mean - 6 * sigma;
    const hi = mean + 6 * sigma;
    const width = (12 * sigma) / 256;
    const book = Array.from({ length: 256 }, (_, k) => view.getFloat32(o + 4 * k, true));
    const idx = bytes.subarray(o + 1024, o + 1024 + len);
    const sums = new Float64Array(256);
    const counts = new Float64Array(256);
    const outliers = new Float64Array(256); // clipped values per bucket
    for (let i = 0; i < len; i++) {
      const v = block[i]!;
      const k = idx[i]!;
      assert.equal(y[from + i], book[k], 'decoded value is the codebook entry of its index');
      sums[k]! += v;
      counts[k]!++;
      if (sigma > 0 && (v < lo || v >= hi)) {
        outliers[k]!++;
        assert.equal(k, v < lo ? 0 : 255, `clipped ${v} goes to the end bucket`);
      } else if (sigma > 0) {
        assert.equal(k, Math.min(255, Math.floor((v - lo) / width)), `bucket of ${v}`);
      }
    }
    for (let i = 0; i < len; i++) {
      const v = block[i]!;
      if (sigma === 0) assert.equal(y[from + i], v, 'a constant block is exact');
      // Within the bucket width (plus the f32 rounding of the mean) unless clipped values
      // share the bucket: they pull its mean, by design (the mean keeps the block's sum).
      else if (outliers[idx[i]!] === 0) {
        assert.ok(Math.abs(v - y[from + i]!) <= width * (1 + 1e-9) + 2 ** -24 * Math.abs(v), `${v} -> ${y[from + i]}, width ${width}`);
      }
    }
    let decodedSum = 0;
    for (let k = 0; k < 256; k++) {
      const expected = counts[k]! > 0 ? sums[k]! / counts[k]! : lo + (k + 0.5) * width;
      assert.equal(book[k], Math.fround(expected), `codebook entry ${k}`);
      decodedSum += counts[k]! * book[k]!;
      clipped += outliers[k]!;
    }
    // Bucket means keep the block sum, up to the f32 rounding of each codebook entry.
    const absSum = block.reduce((s, v) => s + Math.abs(v), 0);
    assert.ok(Math.abs(decodedSum - sums.reduce((s, v) => s + v, 0)) <= 2 ** -23 * absSum, 'block sum kept');
    o += 1024 + len;
  }
  assert.equal(o, bytes.length);
  return clipped;
}

test('int8: round trip, codebooks and indices as documented, exact byte count, deterministic', () => {
  let clipped = 0;
  for (const [p, sizes] of [[4, [0, 1, 15, 16, 17, 33, 1001]], [16, [0, 1, 65535, 65536, 65537]]] as const) {
    const B = 2 ** p;
    const c = int8Codec({ blockLog2: p });
    for (const n of sizes) {
      for (const x of [normals(n, n + p), heavy(n, n + 2 * p, 0.01), normals(n, n, 1e-30)]) {
        const bytes = checkDeterministicSize(c, x, bytesFor(n, B));
        clipped += checkPayload(x, bytes, c.decode(bytes, n), B);
      }
    }
  }
  assert.ok(clipped > 10, `the heavy-tailed inputs exercised clipping (${clipped} values)`);
  assert.equal(int8Codec().byteLength(1_000_000), 8 + 1024 * 16 + 1_000_000); // default B = 2^16
});

test('int8: constant blocks (sigma = 0) decode exactly, next to a random block', () => {
  const c = int8Codec({ blockLog2: 3 });
  const x = Float32Array.of(0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, ...normals(8, 4), 0, 0, 0, -7, -7);
  const bytes = c.encode(x);
  const y = c.decode(bytes, x.length);
  assert.deepEqual([...y.subarray(0, 8)], Array(8).fill(Math.fround(0.3)));
  assert.deepEqual([...y.subarray(16, 19)], [0, 0, 0]);
  checkPayload(x, bytes, y, 8);
  assert.deepEqual(bitsOf(int8Codec().decode(int8Codec().encode(new Float32Array(5).fill(-2.5)))), bitsOf(new Float32Array(5).fill(-2.5)));
});

test('int8: an extreme outlier clips to the end bucket and leaves the others resolved', () => {
  const c = int8Codec({ blockLog2: 10 });
  const x = normals(1024, 8);
  x[17] = 3e38;
  x[18] = -3e38;
  const bytes = c.encode(x);
  const y = c.decode(bytes, 1024);
  assert.equal(bytes[8 + 1024 + 17], 255);
  assert.equal(bytes[8 + 1024 + 18], 0);
  assert.ok(y.every(Number.isFinite));
  checkPayload(x, bytes, y, 1024);
});

test('int8: decoding follows the block size in the header; impossible block sizes are refused', () => {
  const x = normals(300, 6);
  assert.deepEqual(int8Codec({ blockLog2: 16 }).decode(int8Codec({ blockLog2: 5 }).encode(x)), int8Codec({ blockLog2: 5 }).decode(int8Codec({ blockLog2: 5 }).encode(x)));
  const good = int8Codec({ blockLog2: 5 }).encode(x);
  for (const p of [32, 255, 0xffff]) refuses(() => int8Codec().decode(edited(good, (_, v) => v.setUint16(2, p, true))), 'bad-header', `p = ${p}`);
  // A valid but different exponent makes the declared body size wrong.
  refuses(() => int8Codec().decode(edited(good, (_, v) => v.setUint16(2, 6, true))), 'oversized', 'p = 6 over a p = 5 body');
  for (const p of [-1, 1.5, 32]) refuses(() => int8Codec({ blockLog2: p }), 'bad-header', `init p = ${p}`);
});

test('int8: malformed payloads are refused by name', () => {
  for (const [p, n] of [[2, 0], [2, 1], [2, 9], [16, 3]] as const) {
    const c = int8Codec({ blockLog2: p });
    const payload = c.encode(normals(n, 3));
    if (payload.length < 5000) checkMalformed(c, payload, n);
  }
  // NaN or Inf in a codebook entry, used or not, in the first or a later block.
  const c = int8Codec({ blockLog2: 2 });
  const good = c.encode(normals(9, 1));
  for (const bits of [0x7fc00000, 0x7f800000, 0xff800000]) {
    for (const at of [8, 8 + 4 * 255, 8 + 1028 + 4 * 17]) {
      refuses(() => c.decode(edited(good, (_, v) => v.setUint32(at, bits, true)), 9), 'non-finite', `0x${bits.toString(16)} at byte ${at}`);
    }
  }
});

test('int8: encode refuses NaN and Inf', () => {
  checkEncodeRefusesNonFinite(int8Codec({ blockLog2: 2 }));
  checkEncodeRefusesNonFinite(int8Codec());
});

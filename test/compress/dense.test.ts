/**
 * fp32, fp16 and bf16: round trips within their bounds, the exact byte counts, determinism,
 * bit-exact conversions on edge values, and refusal of malformed payloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bf16BitsToF32, bf16Codec, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, fp16Codec, fp32Codec, type Codec,
} from '../../src/compress/index.ts';
import { bitsOf, checkDeterministicSize, checkEncodeRefusesNonFinite, checkMalformed, edited, heavy, normals, refuses } from './helpers.ts';

const SIZES = [0, 1, 2, 3, 127, 128, 129, 1001, 65535, 65537];

/** f32 with the given bit pattern. */
function f32bits(b: number): number {
  return new Float32Array(new Uint32Array([b]).buffer)[0]!;
}

function inputs(n: number, seed: number): Float32Array[] {
  return [normals(n, seed), heavy(n, seed + 7, 100), normals(n, seed + 3, 1e-3)];
}

test('fp32: exact round trip, 8 + 4n bytes, deterministic', () => {
  const c = fp32Codec();
  for (const n of SIZES) {
    for (const x of inputs(n, n)) {
      const bytes = checkDeterministicSize(c, x, 8 + 4 * n);
      assert.deepEqual(bitsOf(c.decode(bytes, n)), bitsOf(x));
    }
  }
  const special = Float32Array.of(-0, 0, f32bits(1), f32bits(0x7f7fffff), -f32bits(0x7f7fffff));
  assert.deepEqual(bitsOf(c.decode(c.encode(special))), bitsOf(special));
  // Little-endian on the wire whatever the host: 1.0f is 00 00 80 3f.
  assert.deepEqual([...c.encode(Float32Array.of(1))], [1, 1, 0, 0, 1, 0, 0, 0, 0x00, 0x00, 0x80, 0x3f]);
});

test('fp16: hand-checked conversions (subnormals, ties, saturation, -0)', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555],
    [65504, 0x7bff], [-65504, 0xfbff], [65519, 0x7bff], // rounds down to max
    [65520, 0x7bff], [1e10, 0x7bff], [-1e10, 0xfbff], [f32bits(0x7f7fffff), 0x7bff], // saturate, never Inf
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01], // ties to even
    [2 ** -14, 0x0400], [2 ** -24, 0x0001], [1023 * 2 ** -24, 0x03ff], [1023.5 * 2 ** -24, 0x0400],
    [2 ** -25, 0x0000], [-(2 ** -25), 0x8000], [2 ** -25 + 2 ** -40, 0x0001], // half the smallest subnormal
    [1.5 * 2 ** -24, 0x0002], [2.5 * 2 ** -24, 0x0002], [2.5 * 2 ** -24 + 2 ** -40, 0x0003],
    [f32bits(1), 0x0000], [-f32bits(1), 0x8000], [2 ** -26, 0x0000],
  ];
  for (const [x, h] of cases) assert.equal(f32ToF16Bits(x), h, `f32ToF16Bits(${x}) = 0x${f32ToF16Bits(x).toString(16)}, expected 0x${h.toString(16)}`);
  const values: Array<[number, number]> = [
    [0x3c00, 1], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14],
    [0xc000, -2], [0x3555, 0.333251953125], [0x7c00, Infinity], [0xfc00, -Infinity],
  ];
  for (const [h, v] of values) assert.equal(f16BitsToF32(h), v);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
});

test('fp16: every finite half survives f32 -> f16, and every conversion is the nearest half', () => {
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00) continue;
    assert.equal(f32ToF16Bits(f16BitsToF32(h)), h);
  }
  // Nearest: no other finite half is closer than the chosen one (checked against its neighbours).
  for (const x of [...normals(20000, 1), ...normals(20000, 2, 1e-5), ...heavy(20000, 3, 1000)]) {
    const h = f32ToF16Bits(x);
    const d = Math.abs(x - f16BitsToF32(h));
    for (const k of [h - 1, h + 1, h ^ 0x8000]) {
      if (k < 0 || k > 0xffff || (k & 0x7c00) === 0x7c00) continue;
      assert.ok(d <= Math.abs(x - f16BitsToF32(k)), `${x}: 0x${h.toString(16)} is not the nearest half`);
    }
  }
});

test('bf16: hand-checked conversions (ties, saturation, subnormals, -0)', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3f80], [-2, 0xc000], [0.1, 0x3dcd], [1 / 3, 0x3eab],
    [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [1 + 2 ** -8 + 2 ** -20, 0x3f81], // ties to even
    [f32bits(0x7f7f0000), 0x7f7f], [f32bits(0x7f7fffff), 0x7f7f], [-f32bits(0x7f7fffff), 0xff7f], // saturate
    [f32bits(0x7f7f8000), 0x7f7f], // a tie that would round up to Inf
    [f32bits(0x00010000), 0x0001], [f32bits(0x00008000), 0x0000], [f32bits(0x00018000), 0x0002], [f32bits(1), 0x0000],
    [f32bits(0x007fffff), 0x0080], // the largest f32 subnormal rounds up to the smallest normal
  ];
  for (const [x, h] of cases) assert.equal(f32ToBf16Bits(x), h, `f32ToBf16Bits(${x}) = 0x${f32ToBf16Bits(x).toString(16)}, expected 0x${h.toString(16)}`);
  assert.equal(bf16BitsToF32(0x3f80), 1);
  assert.equal(bf16BitsToF32(0x7f7f), 255 * 2 ** 120);
  assert.equal(bf16BitsToF32(0x0001), 2 ** -133);
  assert.ok(Object.is(bf16BitsToF32(0x8000), -0));
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7f80) !== 0x7f80) assert.equal(f32ToBf16Bits(bf16BitsToF32(h)), h);
  }
});

/** Round trip within `rel` for |x| >= minNormal; below it within half the smallest step. */
function checkHalfRoundTrip(c: Codec, rel: number, minNormal: number, maxFinite: number, tiny: number): void {
  for (const n of SIZES) {
    for (const x of inputs(n, 100 + n)) {
      const bytes = checkDeterministicSize(c, x, 8 + 2 * n);
      const y = c.decode(bytes, n);
      for (let i = 0; i < n; i++) {
        const a = Math.abs(x[i]!);
        const err = Math.abs(x[i]! - y[i]!);
        if (a > maxFinite) assert.equal(y[i], Math.sign(x[i]!) * maxFinite);
        else if (a >= minNormal) assert.ok(err <= rel * a, `${c.name}: ${x[i]} -> ${y[i]}`);
        else assert.ok(err <= tiny, `${c.name}: ${x[i]} -> ${y[i]}`);
      }
    }
  }
}

test('fp16: relative error <= 2^-11 in the normal range, 8 + 2n bytes, deterministic', () => {
  checkHalfRoundTrip(fp16Codec(), 2 ** -11, 2 ** -14, 65504, 2 ** -25);
  const y = fp16Codec().decode(fp16Codec().encode(Float32Array.of(1e6, -1e6, 65519)));
  assert.deepEqual([...y], [65504, -65504, 65504]);
});

test('bf16: relative error <= 2^-8, 8 + 2n bytes, deterministic', () => {
  checkHalfRoundTrip(bf16Codec(), 2 ** -8, 2 ** -126, 255 * 2 ** 120, 2 ** -134);
  const max = f32bits(0x7f7fffff);
  assert.deepEqual([...bf16Codec().decode(bf16Codec().encode(Float32Array.of(max, -max)))], [255 * 2 ** 120, -255 * 2 ** 120]);
});

test('fp32/fp16/bf16: malformed payloads are refused by name', () => {
  for (const c of [fp32Codec(), fp16Codec(), bf16Codec()]) {
    for (const n of [0, 1, 5]) checkMalformed(c, c.encode(normals(n, 9)), n);
    refuses(() => c.decode(edited(c.encode(normals(3, 1)), (b) => (b[2] = 1))), 'bad-header', `${c.name} parameter`);
  }
});

test('fp32/fp16/bf16: NaN or Inf inside a body is refused', () => {
  const cases: Array<[Codec, number, number[]]> = [
    [fp32Codec(), 4, [0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001]],
    [fp16Codec(), 2, [0x7c00, 0xfc00, 0x7e00, 0x7c01]],
    [bf16Codec(), 2, [0x7f80, 0xff80, 0x7fc0, 0x7f81]],
  ];
  for (const [c, width, patterns] of cases) {
    const good = c.encode(normals(5, 2));
    for (const bits of patterns) {
      for (const at of [0, 4]) {
        const bad = edited(good, (_, v) => (width === 4 ? v.setUint32(8 + 4 * at, bits, true) : v.setUint16(8 + 2 * at, bits, true)));
        refuses(() => c.decode(bad, 5), 'non-finite', `${c.name} 0x${bits.toString(16)} at ${at}`);
      }
    }
  }
});

test('fp32/fp16/bf16: encode refuses NaN and Inf', () => {
  for (const c of [fp32Codec(), fp16Codec(), bf16Codec()]) checkEncodeRefusesNonFinite(c);
});

/**
 * dct-topk: the f32 DCT basis and blockwise transforms against float64, the codec's error
 * bounds (quantisation only at k = block size, top-k energy otherwise), recovery of k-sparse
 * signals, the exact byte formula, determinism across backends, and malformed payloads
 * refused by name. Payloads are read here with an independent parser of the documented layout.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CodecError, type CodecErrorReason } from '../../src/compress/codec.ts';
import { dctBasis, dctForward, dctInverse, dctLayout, dctSplit, toBlockMajor, type DctLayout } from '../../src/compress/dct.ts';
import { dctTopKCodec, dctTopKDensity } from '../../src/compress/dct-topk.ts';
import { gptParamShapes, gptTiny } from '../../src/nn/config.ts';
import { createNodeWasmBackend, deriveKey, normal, randomBits, referenceBackend } from '../../src/tensor/index.ts';

type Shapes = number[][];
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const total = (shapes: Shapes): number => shapes.reduce((a, s) => a + numel(s), 0);
const randn = (n: number, seed: string, std = 1): Float32Array => normal(deriveKey(31, seed), [n], 0, std).toArray() as Float32Array;
const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((a, x) => a + x * x, 0));
const diffNorm = (a: ArrayLike<number>, b: ArrayLike<number>): number => norm(Array.from(a, (x, i) => x - b[i]!));
const bitsOf = (x: Float32Array): Uint32Array => new Uint32Array(x.slice().buffer);

/** float64 orthonormal DCT-II: B[u][j] = c_u cos(pi (2j+1) u / 2s). */
function basis64(s: number): number[][] {
  return Array.from({ length: s }, (_, u) =>
    Array.from({ length: s }, (_, j) => Math.sqrt((u === 0 ? 1 : 2) / s) * Math.cos((Math.PI * (2 * j + 1) * u) / (2 * s))));
}

/** float64 blockwise forward DCT straight from row-major x (separable: rows by B2, then columns by B1), output block-major. */
function forward64(x: Float32Array, l: DctLayout): Float64Array {
  const [b1, b2] = [basis64(l.s1), basis64(l.s2)];
  const out = new Float64Array(x.length);
  let o = 0;
  for (let by = 0; by < l.rows / l.s1; by++) {
    for (let bx = 0; bx < l.cols / l.s2; bx++) {
      const t = Array.from({ length: l.s1 }, (_, i) =>
        b2.map((row) => row.reduce((acc, w, j) => acc + w * x[(by * l.s1 + i) * l.cols + bx * l.s2 + j]!, 0)));
      for (let u = 0; u < l.s1; u++) for (let v = 0; v < l.s2; v++) out[o++] = b1[u]!.reduce((acc, w, i) => acc + w * t[i]![v]!, 0);
    }
  }
  return out;
}

function relErr(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let d = 0;
  let m = 1e-30;
  for (let i = 0; i < e.length; i++) [d, m] = [Math.max(d, Math.abs(a[i]! - e[i]!)), Math.max(m, Math.abs(e[i]!))];
  return d / m;
}

interface Block { tensor: number; b: number; pos: number; bs: number; kept: number; bits: number; idxBytes: number }

/** Block records from the documented layout and formula (independent of the codec's own plan). */
function blocksOf(shapes: Shapes, k: number): { blocks: Block[]; bytes: number } {
  const blocks: Block[] = [];
  let pos = 8;
  shapes.forEach((s, t) => {
    const l = dctLayout(s);
    const bs = l.s1 * l.s2;
    const kept = Math.min(k, bs);
    const bits = Math.ceil(Math.log2(bs));
    const idxBytes = Math.ceil((kept * bits) / 8);
    for (let b = 0; b < numel(s) / bs; b++, pos += 4 + idxBytes + kept) blocks.push({ tensor: t, b, pos, bs, kept, bits, idxBytes });
  });
  return { blocks, bytes: pos };
}

function readBlock(bytes: Uint8Array, blk: Block): { scale: number; idx: number[]; q: number[] } {
  const scale = new DataView(bytes.buffer, bytes.byteOffset).getFloat32(blk.pos, true);
  const idx: number[] = [];
  for (let i = 0; i < blk.kept; i++) {
    let v = 0;
    for (let bit = 0; bit < blk.bits; bit++) v |= ((bytes[blk.pos + 4 + ((i * blk.bits + bit) >> 3)]! >> ((i * blk.bits + bit) & 7)) & 1) << bit;
    idx.push(v);
  }
  const q = Array.from(bytes.subarray(blk.pos + 4 + blk.idxBytes, blk.pos + 4 + blk.idxBytes + blk.kept), (u) => (u << 24) >> 24);
  return { scale, idx, q };
}

function writeIdx(bytes: Uint8Array, blk: Block, idx: number[]): void {
  bytes.fill(0, blk.pos + 4, blk.pos + 4 + blk.idxBytes);
  idx.forEach((v, i) => {
    for (let bit = 0; bit < blk.bits; bit++) if ((v >> bit) & 1) bytes[blk.pos + 4 + ((i * blk.bits + bit) >> 3)]! |= 1 << ((i * blk.bits + bit) & 7);
  });
}

/** Per block of each tensor: the slices of x and y in block-major order. */
function perBlock(shapes: Shapes, x: Float32Array, y: Float32Array, fn: (xb: Float32Array, yb: Float32Array, t: number, b: number) => void): void {
  let off = 0;
  shapes.forEach((s, t) => {
    const l = dctLayout(s);
    const [xb, yb] = [x, y].map((v) => toBlockMajor(v.subarray(off, off + numel(s)), l));
    const bs = l.s1 * l.s2;
    for (let b = 0; b < numel(s) / bs; b++) fn(xb!.subarray(b * bs, (b + 1) * bs), yb!.subarray(b * bs, (b + 1) * bs), t, b);
    off += numel(s);
  });
}

const tinyShapes = gptParamShapes(gptTiny()).map(([, s]) => s);

test('dctSplit: the largest divisor <= 64 (DeMo _get_smaller_split)', () => {
  const cases: Array<[number, number]> = [[1, 1], [40, 40], [64, 64], [96, 48], [97, 1], [100, 50], [128, 64], [384, 64], [4096, 64], [3 * 67, 3]];
  for (const [n, s] of cases) assert.equal(dctSplit(n), s, `dctSplit(${n})`);
  assert.deepEqual(dctLayout([3, 5, 7]), { rows: 1, cols: 105, s1: 1, s2: 35 });
});

test('DCT basis: orthonormal within 1e-6, within 2e-7 of float64, pinned bits', () => {
  for (const s of [1, 2, 3, 5, 8, 35, 40, 48, 50, 64]) {
    const d = dctBasis(s);
    const ref = basis64(s);
    for (let u = 0; u < s; u++) {
      for (let v = 0; v < s; v++) {
        let dot = 0;
        for (let j = 0; j < s; j++) dot += d[u * s + j]! * d[v * s + j]!;
        assert.ok(Math.abs(dot - (u === v ? 1 : 0)) < 1e-6, `s=${s} (D D^T)[${u}][${v}] = ${dot}`);
      }
      for (let j = 0; j < s; j++) assert.ok(Math.abs(d[u * s + j]! - ref[u]![j]!) < 2e-7, `s=${s} D[${u}][${j}]`);
    }
  }
  assert.equal(dctBasis(64)[0], 0.125);
  // Bits of the 64-basis, pinned: a change of cosine or rounding order shows up here.
  const h = bitsOf(dctBasis(64)).reduce((acc, w) => Math.imul(acc ^ w, 16777619) >>> 0, 2166136261);
  assert.equal(h, 0x2eaa9365);
});

test('blockwise DCT: matches float64 within 1e-5, inverse(forward(x)) = x within 1e-5', () => {
  for (const shape of [[96, 40], [128, 64], [64, 192], [97], [200], [3, 5, 7], [1, 64]]) {
    const l = dctLayout(shape);
    const x = randn(numel(shape), `dct/${shape}`);
    const c = dctForward(x, l);
    assert.ok(relErr(c, forward64(x, l)) < 1e-5, `forward ${shape}: ${relErr(c, forward64(x, l))}`);
    assert.ok(relErr(dctInverse(c, l), x) < 1e-5, `inverse ${shape}`);
  }
});

test('k = block size: lossless up to int8 quantisation, ||err_b|| <= sqrt(bs) * scale / 2 per block', () => {
  const shapes = [[96, 40], [64, 64], [50], [7]];
  const x = randn(total(shapes), 'lossless', 3);
  const codec = dctTopKCodec({ shapes, k: 4096 });
  const bytes = codec.encode(x);
  const y = codec.decode(bytes, x.length);
  const { blocks } = blocksOf(shapes, 4096);
  let i = 0;
  perBlock(shapes, x, y, (xb, yb) => {
    const { scale, idx } = readBlock(bytes, blocks[i++]!);
    assert.deepEqual(idx, Array.from({ length: xb.length }, (_, j) => j));
    const bound = Math.sqrt(xb.length) * scale * 0.5 * (1 + 1e-4) + 1e-5 * norm(xb);
    assert.ok(diffNorm(xb, yb) <= bound, `block ${i}: ${diffNorm(xb, yb)} > ${bound}`);
  });
  assert.ok(diffNorm(x, y) < 0.02 * norm(x)); // int8: about 1% relative on Gaussian blocks
});

test('k < block size: keeps the top-k (ties to the lower index), ||err_b||^2 <= (1-k/bs)||x_b||^2 + k (scale/2)^2', () => {
  const shapes = [[128, 128], [96, 40], [384], [13]];
  const x = randn(total(shapes), 'topk');
  for (const k of [1, 8, 32, 100]) {
    const bytes = dctTopKCodec({ shapes, k }).encode(x);
    const y = dctTopKCodec({ shapes, k }).decode(bytes);
    const { blocks } = blocksOf(shapes, k);
    let i = 0;
    let off = 0;
    const coeffs = shapes.map((s) => dctForward(x.subarray(off, (off += numel(s))), dctLayout(s)));
    perBlock(shapes, x, y, (xb, yb, t, b) => {
      const blk = blocks[i++]!;
      const { scale, idx } = readBlock(bytes, blk);
      const c = coeffs[t]!.subarray(b * blk.bs, (b + 1) * blk.bs);
      const top = Array.from(c, (v, j) => [Math.abs(v), j] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, blk.kept).map((p) => p[1]);
      assert.deepEqual(idx, top.sort((p, q) => p - q), `k=${k} tensor ${t} block ${b}: kept set`);
      // Dropped and quantised coefficients are disjoint, so their squared errors add (orthonormal basis).
      const quant = blk.kept * (scale * 0.5 * (1 + 1e-4)) ** 2;
      const bound = Math.sqrt((1 - blk.kept / blk.bs) * norm(xb) ** 2 + quant) + 1e-5 * norm(xb);
      assert.ok(diffNorm(xb, yb) <= bound, `k=${k} block ${i}: ${diffNorm(xb, yb)} > ${bound}`);
    });
  }
});

test('a signal of exactly k DCT coefficients per block is recovered to quantisation precision', () => {
  const shapes = [[128, 64], [96, 40], [128], [3, 4, 8]];
  const k = 5;
  const bits = randomBits(deriveKey(31, 'sparse'), 4 * total(shapes));
  let r = 0;
  const x = new Float32Array(total(shapes));
  const chosen: number[][] = [];
  let off = 0;
  for (const s of shapes) {
    const l = dctLayout(s);
    const bs = l.s1 * l.s2;
    const c = new Float32Array(numel(s));
    for (let b = 0; b < c.length / bs; b++) {
      const set = new Set<number>();
      while (set.size < k) set.add(bits[r++]! % bs);
      for (const j of set) c[b * bs + j] = (bits[r++]! & 1 ? -1 : 1) * (0.5 + (bits[r++]! % 1000) / 1000);
      chosen.push([...set].sort((p, q) => p - q));
    }
    x.set(dctInverse(c, l), off);
    off += numel(s);
  }
  const codec = dctTopKCodec({ shapes, k });
  const bytes = codec.encode(x);
  const y = codec.decode(bytes);
  const { blocks } = blocksOf(shapes, k);
  let i = 0;
  perBlock(shapes, x, y, (xb, yb) => {
    const { scale, idx } = readBlock(bytes, blocks[i]!);
    assert.deepEqual(idx, chosen[i++]);
    assert.ok(diffNorm(xb, yb) <= Math.sqrt(k) * scale * 0.5 * (1 + 1e-4) + 1e-5 * norm(xb));
  });
});

test('byte count: the documented formula, pinned for the tiny GPT, RangeError on a wrong length', () => {
  const lists: Shapes[] = [[[96, 40]], [[97]], [[64, 64], [64], [3, 5, 7]], [[0, 5], [1], []], [[4096, 2]], tinyShapes];
  for (const shapes of lists) {
    for (const k of [1, 3, 8, 32, 64, 4096, 65535]) {
      const codec = dctTopKCodec({ shapes, k });
      const n = total(shapes);
      assert.equal(codec.byteLength(n), blocksOf(shapes, k).bytes, `${JSON.stringify(shapes)} k=${k}`);
      if (k === 8 || k === 4096) assert.equal(codec.encode(randn(n, `len/${n}`)).length, codec.byteLength(n));
      assert.throws(() => codec.byteLength(n + 1), RangeError);
      assert.throws(() => codec.encode(new Float32Array(n + 1)), RangeError);
    }
  }
  // Tiny GPT (842,496 values): 204 2-D blocks of 64x64 and 108 1-D chunks of 64.
  assert.equal(total(tinyShapes), 842496);
  assert.equal(dctTopKCodec({ shapes: tinyShapes, k: 32 }).byteLength(842496), 8 + 204 * (4 + 48 + 32) + 108 * (4 + 24 + 32));
  assert.equal(dctTopKCodec({ shapes: tinyShapes, k: 8 }).byteLength(842496), 6848);
  assert.equal(dctTopKDensity(tinyShapes, 32), (312 * 32) / 842496);
  for (const k of [0, 1.5, 65536, NaN]) assert.throws(() => dctTopKCodec({ shapes: [[8]], k }), RangeError);
  assert.throws(() => dctTopKCodec({ shapes: [[8, -1]], k: 1 }), RangeError);
});

const wasm = createNodeWasmBackend({ threads: 3, alwaysParallel: true });
after(() => wasm.close());

test('determinism: identical bytes twice, and on the reference and wasm backends; zero blocks tie to indices 0..k-1', () => {
  const shapes = [[256, 128], [96, 40], [384], [97], [2, 3, 5]];
  const x = randn(total(shapes), 'det');
  const onRef = dctTopKCodec({ shapes, k: 12, backend: referenceBackend });
  const onWasm = dctTopKCodec({ shapes, k: 12, backend: wasm });
  const bytes = onWasm.encode(x);
  assert.deepEqual(onWasm.encode(x), bytes);
  assert.deepEqual(onRef.encode(x), bytes);
  assert.deepEqual(dctTopKCodec({ shapes, k: 12 }).encode(x), bytes); // the default backend
  assert.deepEqual(bitsOf(onRef.decode(bytes)), bitsOf(onWasm.decode(bytes)));
  const zeros = new Float32Array(total(shapes));
  const zb = onWasm.encode(zeros);
  for (const blk of blocksOf(shapes, 12).blocks) {
    const { scale, idx, q } = readBlock(zb, blk);
    assert.deepEqual([scale, idx, q], [0, Array.from({ length: blk.kept }, (_, j) => j), new Array(blk.kept).fill(0)]);
  }
  assert.deepEqual(bitsOf(onWasm.decode(zb)), bitsOf(zeros));
});

function refuses(reason: CodecErrorReason, fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => e instanceof CodecError && e.reason === reason, `${what}: expected ${reason}`);
}

test('malformed payloads are refused with the named reason; non-finite input is refused', () => {
  const shapes = [[8, 8], [5]]; // blocks: 64 coefs (6-bit indices, 18 of 24 bits used), 5 coefs (3-bit, 9 of 16)
  const codec = dctTopKCodec({ shapes, k: 3 });
  const good = codec.encode(randn(69, 'bad'));
  const [b0, b1] = blocksOf(shapes, 3).blocks as [Block, Block];
  assert.equal(good.length, 27);
  codec.decode(good, 69);
  const edit = (fn: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    fn(b);
    return b;
  };
  const setF32 = (b: Uint8Array, pos: number, v: number): void => new DataView(b.buffer).setFloat32(pos, v, true);
  for (let len = 0; len < good.length; len++) refuses('truncated', () => codec.decode(good.subarray(0, len)), `${len} bytes`);
  refuses('oversized', () => codec.decode(Uint8Array.of(...good, 0)), 'extra byte');
  refuses('bad-header', () => codec.decode(edit((b) => (b[0] = 2))), 'wire version');
  refuses('wrong-codec', () => codec.decode(edit((b) => (b[1] = 4))), 'codec id');
  refuses('bad-header', () => codec.decode(edit((b) => (b[2] = 4))), 'k in the header');
  refuses('bad-header', () => dctTopKCodec({ shapes, k: 4 }).decode(good), 'codec with another k');
  refuses('wrong-length', () => codec.decode(good, 70), 'expected length');
  refuses('wrong-length', () => codec.decode(edit((b) => (b[4] = 70))), 'n in the header');
  refuses('bad-value', () => codec.decode(edit((b) => writeIdx(b, b1, [0, 1, 7]))), 'index past the block');
  refuses('bad-value', () => codec.decode(edit((b) => writeIdx(b, b0, [1, 1, 2]))), 'duplicate index');
  refuses('bad-value', () => codec.decode(edit((b) => writeIdx(b, b0, [2, 1, 3]))), 'unsorted indices');
  refuses('bad-value', () => codec.decode(edit((b) => (b[b0.pos + 4 + b0.idxBytes] = 0x80))), 'value -128');
  refuses('bad-value', () => codec.decode(edit((b) => (b[b1.pos + 4 + b1.idxBytes + 2] = 0x80))), 'value -128 (last)');
  refuses('non-finite', () => codec.decode(edit((b) => setF32(b, b0.pos, NaN))), 'NaN scale');
  refuses('non-finite', () => codec.decode(edit((b) => setF32(b, b1.pos, Infinity))), 'Inf scale');
  refuses('bad-value', () => codec.decode(edit((b) => setF32(b, b0.pos, -1))), 'negative scale');
  refuses('bad-value', () => codec.decode(edit((b) => setF32(b, b1.pos, -0))), '-0 scale');
  refuses('bad-value', () => codec.decode(edit((b) => (b[b0.pos + 6]! |= 0x80))), 'padding bit, block 0');
  refuses('bad-value', () => codec.decode(edit((b) => (b[b1.pos + 5]! |= 0x02))), 'padding bit, block 1');
  refuses('non-finite', () => codec.decode(edit((b) => {
    setF32(b, b0.pos, 3e38);
    b[b0.pos + 4 + b0.idxBytes] = 127;
  })), 'decodes to Inf');
  for (const bad of [NaN, Infinity, -Infinity]) {
    const x = randn(69, 'bad');
    x[40] = bad;
    refuses('non-finite', () => codec.encode(x), `encode ${bad}`);
  }
  refuses('non-finite', () => codec.encode(new Float32Array(69).fill(3e38)), 'encode overflowing the DCT');
});

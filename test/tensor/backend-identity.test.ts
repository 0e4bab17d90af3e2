/**
 * The wasm backend against the reference backend, bit for bit, at 1, 2, 3 and 4 threads:
 * every primitive and fused op, forward and backward, on random shapes with odd sizes
 * that are not multiples of the SIMD width (4), the matmul tile (4 x 8) or its blocks
 * (256), plus the transcendentals over wide input sweeps and a whole GPT step. Every call
 * is split over all threads (alwaysParallel), however small, so the splits are exercised.
 * NaN payloads are not part of the contract, so NaNs are compared as NaN.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  causalSelfAttention, createNodeWasmBackend, crossEntropy, deriveKey, gatherRows, gelu, layerNorm, logSoftmax,
  normal, randomBits, referenceBackend, softmax, tensor, where, type Backend, type Tensor, type WasmBackend,
} from '../../src/tensor/index.ts';
import { computeReplay } from '../replay/gpt-replay.ts';
import { setDefaultBackend, getDefaultBackend } from '../../src/tensor/index.ts';

/** Element bits with every NaN mapped to one pattern. */
function bits(t: Tensor): Uint32Array {
  const values = t.toArray();
  const out = new Uint32Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  values.forEach((v, i) => {
    f[0] = v;
    out[i] = t.dtype === 'f32' && Number.isNaN(v) ? 0x7fc00000 : t.dtype === 'f32' ? u[0]! : v >>> 0;
  });
  return out;
}

function assertSameBits(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = bits(actual);
  const e = bits(expected);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} differs: wasm ${actual.toArray()[i]} (0x${a[i]!.toString(16)}) vs reference ${expected.toArray()[i]} (0x${e[i]!.toString(16)})`);
  }
}

/** A seeded integer in [lo, hi]. */
function pick(seed: string, lo: number, hi: number): number {
  return lo + (randomBits(deriveKey(99, seed), 1)[0]! % (hi - lo + 1));
}

/** Random odd-ish dims for case `name`, round `r`. */
function dims(name: string, r: number, count: number, lo = 1, hi = 37): number[] {
  return Array.from({ length: count }, (_, i) => pick(`${name}/${r}/${i}`, lo, hi));
}

type Inputs = (b: Backend) => Tensor[];
interface Case {
  name: string;
  inputs: Inputs;
  f: (...xs: Tensor[]) => Tensor;
}

const rn = (name: string, shape: number[], scale = 1) => (backend: Backend): Tensor => normal(deriveKey(5, name), shape, 0, scale, { backend });
const ints = (name: string, shape: number[], hi: number) => (backend: Backend): Tensor =>
  tensor(Int32Array.from(randomBits(deriveKey(5, name), shape.reduce((a, b) => a * b, 1)), (w) => w % hi), shape, { dtype: 'i32', backend });

function cases(r: number): Case[] {
  const [m, k, n] = dims('mm', r, 3, 1, 70);
  const [bm, bk, bn] = dims('bmm', r, 3, 1, 19);
  const [r1, c1] = dims('rows', r, 2, 1, 53);
  const [d0, d1, d2] = dims('nd', r, 3, 1, 13);
  const [vb, vt] = dims('ce', r, 2, 1, 9);
  const V = pick(`vocab/${r}`, 2, 300);
  const list: Case[] = [
    { name: `add broadcast [${d0},${d1},${d2}]+[${d1},1]`, inputs: (b) => [rn('a', [d0!, d1!, d2!])(b), rn('b', [d1!, 1])(b)], f: (a, b) => a.add(b) },
    { name: `sub row broadcast`, inputs: (b) => [rn('a', [r1!, c1!])(b), rn('b', [c1!])(b)], f: (a, b) => a.sub(b) },
    { name: `mul transposed`, inputs: (b) => [rn('a', [c1!, r1!])(b), rn('b', [r1!, c1!])(b)], f: (a, b) => a.transpose().mul(b) },
    { name: `div by scalar`, inputs: (b) => [rn('a', [r1!, c1!])(b)], f: (a) => a.div(3.7) },
    { name: `maximum`, inputs: (b) => [rn('a', [d0!, d1!])(b), rn('b', [d1!])(b)], f: (a, b) => a.maximum(b) },
    { name: `where`, inputs: (b) => [rn('c', [d0!, 1, d2!])(b), rn('a', [d0!, d1!, d2!])(b), rn('b', [d2!])(b)], f: (c, a, b) => where(c.lt(0), a, b) },
    { name: `unary chain`, inputs: (b) => [rn('a', [r1!, c1!], 2)(b)], f: (a) => a.exp().add(a.square().add(0.5).log()).add(a.tanh()).add(a.erf()).add(a.square().add(1).sqrt()).add(a.square().add(1).rsqrt()).neg() },
    { name: `sum axes [0,2]`, inputs: (b) => [rn('a', [d0!, d1!, d2! * 7])(b)], f: (a) => a.sum([0, 2]) },
    { name: `sum axis 0 (columns)`, inputs: (b) => [rn('a', [r1! * 3, c1!])(b)], f: (a) => a.sum(0) },
    { name: `mean last keepDims`, inputs: (b) => [rn('a', [r1!, c1! * 5])(b)], f: (a) => a.mean(-1, true) },
    { name: `max axis 1`, inputs: (b) => [rn('a', [d0!, d1! * 3, d2!])(b)], f: (a) => a.max(1) },
    { name: `matmul [${m},${k}]x[${k},${n}]`, inputs: (b) => [rn('a', [m!, k!])(b), rn('b', [k!, n!])(b)], f: (a, b) => a.matmul(b) },
    { name: `matmul deep [${m},${k! * 9}]x[${k! * 9},${n! * 5}] (K and N blocks)`, inputs: (b) => [rn('a', [m!, k! * 9])(b), rn('b', [k! * 9, n! * 5])(b)], f: (a, b) => a.matmul(b) },
    { name: `matmul transposed operands`, inputs: (b) => [rn('a', [k!, m!])(b), rn('b', [n!, k!])(b)], f: (a, b) => a.transpose().matmul(b.transpose()) },
    { name: `matmul batched [${bm},${bk},${bn}]`, inputs: (b) => [rn('a', [3, 2, bm!, bk!])(b), rn('b', [3, 2, bk!, bn!])(b)], f: (a, b) => a.matmul(b) },
    { name: `matmul broadcast batch`, inputs: (b) => [rn('a', [2, 1, bm!, bk!])(b), rn('b', [3, bk!, bn!])(b)], f: (a, b) => a.matmul(b) },
    { name: `matmul weight fold`, inputs: (b) => [rn('a', [2, bm!, bk!])(b), rn('b', [bk!, bn!])(b)], f: (a, b) => a.matmul(b) },
    { name: `gatherRows (repeats)`, inputs: (b) => [rn('t', [V, c1!])(b), ints('i', [vb!, vt!], V)(b)], f: (t, i) => gatherRows(t, i) },
    { name: `softmax`, inputs: (b) => [rn('x', [r1!, c1!], 3)(b)], f: (x) => softmax(x) },
    { name: `softmax axis 0`, inputs: (b) => [rn('x', [r1!, c1!], 3)(b)], f: (x) => softmax(x, 0) },
    { name: `logSoftmax`, inputs: (b) => [rn('x', [r1!, c1!], 3)(b)], f: (x) => logSoftmax(x) },
    { name: `crossEntropy V=${V}`, inputs: (b) => [rn('x', [vb!, vt!, V], 2)(b), ints('t', [vb!, vt!], V)(b)], f: (x, t) => crossEntropy(x, t) },
    { name: `layerNorm`, inputs: (b) => [rn('x', [r1!, c1!], 2)(b), rn('w', [c1!])(b), rn('b', [c1!])(b)], f: (x, w, bb) => layerNorm(x, w, bb) },
    { name: `layerNorm many rows`, inputs: (b) => [rn('x', [r1! * 11, c1!], 2)(b), rn('w', [c1!])(b), rn('b', [c1!])(b)], f: (x, w, bb) => layerNorm(x, w, bb) },
    { name: `gelu`, inputs: (b) => [rn('x', [r1!, c1!], 3)(b)], f: (x) => gelu(x) },
    { name: `attention`, inputs: (b) => [rn('q', [2, 3, d1! + 2, 5])(b), rn('k', [2, 3, d1! + 2, 5])(b), rn('v', [2, 3, d1! + 2, 5])(b)], f: (q, k, v) => causalSelfAttention(q, k, v) },
  ];
  return list;
}

/** Forward then backward (output gradient from the PRNG); returns output and input grads. */
function run(c: Case, backend: Backend): Tensor[] {
  const inputs = c.inputs(backend).map((x) => (x.dtype === 'f32' ? x.requireGrad() : x));
  const out = c.f(...inputs);
  out.backward(normal(deriveKey(6, c.name), [...out.shape], 0, 1, { backend }));
  return [out, ...inputs.flatMap((x) => (x.grad === null ? [] : [x.grad]))];
}

const backends = new Map<number, WasmBackend>();
after(async () => {
  for (const b of backends.values()) await b.close();
});

for (const threads of [1, 2, 3, 4]) {
  describe(`wasm backend, ${threads} thread(s)`, () => {
    const wasm = createNodeWasmBackend({ threads, alwaysParallel: true });
    backends.set(threads, wasm);
    for (const round of [0, 1, 2]) {
      for (const c of cases(round)) {
        test(`${c.name} (round ${round})`, () => {
          const expected = run(c, referenceBackend);
          const actual = run(c, wasm);
          actual.forEach((t, i) => assertSameBits(t, expected[i]!, `${c.name} ${i === 0 ? 'output' : `grad ${i - 1}`}`));
        });
      }
    }
    test('transcendentals over wide sweeps of f32 bit patterns', () => {
      // Every 4099th bit pattern (about 1M inputs: all signs, exponents, subnormals, infinities, NaNs).
      const count = Math.floor(2 ** 32 / 4099);
      const values = new Float32Array(new Uint32Array(count).map((_, i) => i * 4099).buffer);
      const x = (backend: Backend): Tensor => tensor(values, [count], { backend });
      for (const op of ['exp', 'log', 'tanh', 'erf', 'sqrt', 'rsqrt', 'neg'] as const) {
        assertSameBits(x(wasm)[op](), x(referenceBackend)[op](), op);
      }
    });
  });
}

test('a whole GPT init + forward + backward gives the reference hashes on wasm (2 threads)', () => {
  const saved = getDefaultBackend();
  setDefaultBackend(referenceBackend);
  const expected = computeReplay();
  setDefaultBackend(backends.get(2)!);
  try {
    assert.deepEqual(computeReplay(), expected);
  } finally {
    setDefaultBackend(saved);
  }
});



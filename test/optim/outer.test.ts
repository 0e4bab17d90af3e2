/**
 * The pure pieces of the multi-worker algorithms: the Nesterov outer step against PyTorch's
 * formula written out in float64 then rounded, aggregation rules, strided fragments, DeMo's
 * momentum bookkeeping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamStore, gptParamShapes, gptTiny } from '../../src/nn/index.ts';
import { referenceBackend } from '../../src/tensor/index.ts';
import {
  aggregate, demoAccumulate, demoSubtract, gatherFragment, meanOf, medianNormClipMean, outerDefaults, outerStep,
  pseudoGradient, scatterFragment, signUpdate, stridedFragments, trimmedMean, l2Norm, fragmentShapes,
} from '../../src/optim/index.ts';
import { randn } from '../helpers.ts';

const f = Math.fround;

test('outer step: SGD with Nesterov momentum, each op rounded to f32 (PyTorch formulation)', () => {
  const n = 257;
  const p = Float32Array.from(randn([n], 'outer-p').data);
  const buf = Float32Array.from(randn([n], 'outer-b').data);
  const g = Float32Array.from(randn([n], 'outer-g').data);
  const p0 = Float32Array.from(p);
  const b0 = Float32Array.from(buf);
  outerStep(p, buf, g, outerDefaults());
  for (let i = 0; i < n; i++) {
    const b = f(f(f(0.9) * b0[i]!) + g[i]!);
    assert.equal(buf[i], b);
    assert.equal(p[i], f(p0[i]! - f(f(0.7) * f(g[i]! + f(f(0.9) * b)))));
  }
  // Outer lr 1, no momentum, pseudo-gradient = global - local: lands exactly on the local model.
  const global = new Float32Array([1, 2, 3]);
  const local = new Float32Array([0.5, 2.5, 3]);
  const delta = pseudoGradient(global, local);
  outerStep(global, new Float32Array(3), delta, { lr: 1, momentum: 0, nesterov: true });
  assert.deepEqual([...global], [...local]);
  assert.throws(() => outerStep(p, new Float32Array(2), g, outerDefaults()), RangeError);
});

test('mean: canonical order, f32; median-norm clipping bounds a large contribution; trimmed mean drops extremes', () => {
  const a = new Float32Array([1, 2, 3]);
  const b = new Float32Array([3, 2, 1]);
  assert.deepEqual([...meanOf([a, b])], [2, 2, 2]);
  // 0.1 + 0.2 + 0.3 in f32, order matters: the result is the sequential f32 sum / 3.
  const xs = [0.1, 0.2, 0.3].map((v) => new Float32Array([v]));
  assert.equal(meanOf(xs)[0], f(f(f(f(0.1) + f(0.2)) + f(0.3)) / 3));

  const small = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([0.6, 0.8])];
  const attacker = new Float32Array([1000, -1000]);
  const robust = medianNormClipMean([...small, attacker]);
  assert.ok(l2Norm(robust) <= 1 + 1e-6, `clipped mean norm ${l2Norm(robust)}`);
  assert.ok(l2Norm(aggregate([...small, attacker])) > 100);

  const cols = [1, 2, 3, 4, 100].map((v) => new Float32Array([v, -v]));
  assert.deepEqual([...trimmedMean(cols, 0.2)], [3, -3]);
  assert.deepEqual([...aggregate(cols, { kind: 'trimmed-mean', trim: 0.2 })], [3, -3]);
  // Order of contributions does not change a trimmed mean (it sorts per element).
  assert.deepEqual([...trimmedMean([...cols].reverse(), 0.2)], [3, -3]);
  assert.throws(() => trimmedMean(cols, 0.5), RangeError);
  assert.throws(() => meanOf([]), RangeError);
  assert.throws(() => meanOf([a, new Float32Array(2)]), RangeError);
});

test('strided fragments cover every parameter exactly once, blocks l mod P, sizes close', () => {
  const params = new ParamStore(gptParamShapes(gptTiny()), referenceBackend);
  for (const P of [1, 2, 4]) {
    const frags = stridedFragments(params.entries, P);
    assert.equal(frags.length, P);
    const seen = new Uint8Array(params.size);
    for (const fr of frags) for (const [a, b] of fr.ranges) for (let i = a; i < b; i++) seen[i]! += 1;
    assert.ok(seen.every((c) => c === 1), 'every element in exactly one fragment');
    const sizes = frags.map((fr) => fr.size);
    assert.equal(sizes.reduce((s, x) => s + x, 0), params.size);
    if (P > 1) assert.ok(Math.max(...sizes) / Math.min(...sizes) < 1.3, `fragment sizes ${sizes}`);
    const shapes = frags.map((fr) => fragmentShapes(params.entries, fr));
    assert.equal(shapes.flat().length, params.entries.length);
  }
  const two = stridedFragments(params.entries, 2);
  const block1 = params.entries.find((e) => e.name === 'h.1.attn.c_attn.weight')!;
  assert.ok(two[1]!.ranges.some(([a]) => a === block1.offset), 'block 1 in fragment 1');
  assert.throws(() => stridedFragments(params.entries, 5), RangeError);

  const full = Float32Array.from({ length: params.size }, (_, i) => i);
  const packed = gatherFragment(full, two[1]!);
  const back = new Float32Array(params.size);
  scatterFragment(back, two[1]!, packed);
  for (const [a, b] of two[1]!.ranges) for (let i = a; i < b; i++) assert.equal(back[i], i);
});

test('DeMo: momentum keeps what was not sent; sign update with decoupled weight decay', () => {
  const delta = new Float32Array([0.5, -1, 0]);
  demoAccumulate(delta, new Float32Array([1, 1, -2]), 0.5, 0.1);
  assert.deepEqual([...delta], [f(f(0.25) + f(0.1)), f(-0.5 + f(0.1)), f(-0.2)]);
  const sent = new Float32Array([delta[0]!, 0, 0]);
  demoSubtract(delta, sent);
  assert.equal(delta[0], 0);
  const p = new Float32Array([1, 1, 1]);
  signUpdate(p, new Float32Array([2, -3, 0]), 0.01, 0);
  assert.deepEqual([...p], [f(1 - f(0.01)), f(1 + f(0.01)), 1]);
  const q = new Float32Array([1]);
  signUpdate(q, new Float32Array([1]), 0.5, 0.1);
  assert.equal(q[0], f(f(1 * f(1 - f(0.05))) - 0.5));
});

/**
 * Semantics of the primitive ops, views and autograd, and the named errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange, gatherRows, noGrad, ones, pick, referenceBackend, tensor, where, zeros, type Tensor,
} from '../../src/tensor/index.ts';
import { randn } from '../helpers.ts';

const f32 = (t: Tensor): number[] => Array.from(t.toArray());
const i32 = (values: number[], shape = [values.length]): Tensor => tensor(new Int32Array(values), shape, { dtype: 'i32' });

function throwsNamed(fn: () => unknown, name: string, message: RegExp): void {
  assert.throws(fn, (err: Error) => err.name === name && message.test(err.message));
}

test('creation: nested arrays, flat values with a shape, fills, ranges', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(f32(t), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(tensor([1, 2, 3, 4], [2, 2]).shape, [2, 2]);
  assert.deepEqual(f32(zeros([2])), [0, 0]);
  assert.deepEqual(f32(ones([1, 2])), [1, 1]);
  const r = arange(2, 6);
  assert.equal(r.dtype, 'i32');
  assert.deepEqual(Array.from(r.toArray()), [2, 3, 4, 5]);
  assert.equal(tensor([0.1]).item(), Math.fround(0.1)); // values enter as f32
});

test('creation errors name the offending values', () => {
  throwsNamed(() => tensor([1, 2, 3], [2, 2]), 'ShapeError', /3 values do not fill shape \[2,2\]/);
  throwsNamed(() => tensor([1.5], [1], { dtype: 'i32' }), 'DTypeError', /1\.5 at index 0/);
  throwsNamed(() => zeros([2, -1]), 'ShapeError', /\[2,-1\]/);
});

test('broadcasting follows NumPy and reports both shapes when it cannot', () => {
  const a = tensor([[1], [2]]);
  const b = tensor([10, 20, 30]);
  assert.deepEqual(a.add(b).shape, [2, 3]);
  assert.deepEqual(f32(a.add(b)), [11, 21, 31, 12, 22, 32]);
  throwsNamed(() => tensor([1, 2]).add(tensor([1, 2, 3])), 'ShapeError', /cannot broadcast \[2\] with \[3\]/);
});

test('dtype rules: transcendentals need f32, operands must agree, i32 wraps', () => {
  throwsNamed(() => i32([1]).exp(), 'DTypeError', /exp: expected dtype f32, got i32/);
  throwsNamed(() => tensor([1]).add(i32([1])), 'DTypeError', /expected dtype f32, got i32/);
  throwsNamed(() => i32([1]).div(i32([1])), 'DTypeError', /div/);
  assert.deepEqual(Array.from(i32([2 ** 31 - 1]).add(1).toArray()), [-(2 ** 31)]);
  assert.deepEqual(Array.from(i32([3, -4]).mul(i32([5, 6])).toArray()), [15, -24]);
  throwsNamed(() => tensor([1]).requireGrad().detach().add(1).requireGrad().add(1).requireGrad(), 'GradError', /non-leaf/);
  throwsNamed(() => i32([1]).requireGrad(), 'GradError', /only f32/);
});

test('views share the buffer and read through strides', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const xt = x.transpose();
  assert.equal(xt.data, x.data);
  assert.deepEqual(f32(xt), [1, 4, 2, 5, 3, 6]);
  const s = x.slice(1, 1, 3);
  assert.equal(s.data, x.data);
  assert.deepEqual(f32(s), [2, 3, 5, 6]);
  assert.deepEqual(f32(s.reshape([-1])), [2, 3, 5, 6]); // non-dense: copied
  assert.deepEqual(f32(tensor([7, 8]).expand([2, 2])), [7, 8, 7, 8]);
  assert.deepEqual(x.permute([1, 0]).shape, [3, 2]);
  throwsNamed(() => x.reshape([4, 2]), 'ShapeError', /cannot reshape \[2,3\] \(6 elements\) to \[4,2\]/);
  throwsNamed(() => x.permute([0, 0]), 'ShapeError', /not a permutation/);
  throwsNamed(() => x.slice(1, 2, 4), 'IndexOutOfRangeError', /slice 2:4 is out of range for axis 1 of size 3/);
  throwsNamed(() => x.sum(2), 'IndexOutOfRangeError', /axis 2 is out of range/);
  throwsNamed(() => tensor([1, 2]).expand([3]), 'ShapeError', /cannot expand \[2\] to \[3\]/);
});

test('matmul: shapes, batching, and the error for mismatched inner dims', () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);
  assert.deepEqual(f32(a.matmul(b)), [19, 22, 43, 50]);
  assert.deepEqual(f32(a.matmul(b.transpose())), [17, 23, 39, 53]);
  assert.deepEqual(zeros([4, 1, 2, 3]).matmul(zeros([5, 3, 7])).shape, [4, 5, 2, 7]);
  throwsNamed(() => zeros([2, 3]).matmul(zeros([4, 5])), 'ShapeError', /cannot matmul \[2,3\] and \[4,5\]: inner dims 3 != 4/);
  throwsNamed(() => zeros([3]).matmul(zeros([3, 1])), 'ShapeError', /at least 2 dims/);
  throwsNamed(() => i32([1], [1, 1]).matmul(i32([1], [1, 1])), 'DTypeError', /matmul/);
});

test('reductions: axes, keepDims, max semantics (NaN, signed zero)', () => {
  const x = tensor([[1, 5, 3], [4, 2, 6]]);
  assert.deepEqual(f32(x.sum(0)), [5, 7, 9]);
  assert.deepEqual(x.sum(-1, true).shape, [2, 1]);
  assert.deepEqual(f32(x.sum()), [21]);
  assert.deepEqual(x.sum().shape, []);
  assert.deepEqual(f32(x.mean(1)), [3, 4]);
  assert.deepEqual(f32(x.max(1)), [5, 6]);
  assert.ok(Number.isNaN(tensor([1, NaN, 3]).max(0).item()));
  assert.ok(Object.is(tensor([-0, 0]).max(0).item(), 0) && Object.is(tensor([0, -0]).max(0).item(), 0));
  assert.equal(zeros([0, 2]).max(0).toArray()[0], -Infinity);
});

test('sum uses the 16-lane order: lane i%16 accumulates, lanes fold 8-4-2-1', () => {
  // 2^24 + 1 + 1 ... : sequential summation would lose every +1; the lane order keeps some.
  const n = 40;
  const values = new Float32Array(n).fill(1);
  values[0] = 2 ** 24;
  const lanes = new Array<number>(16).fill(0);
  values.forEach((v, i) => (lanes[i % 16] = Math.fround(lanes[i % 16]! + v)));
  for (let w = 8; w >= 1; w /= 2) for (let j = 0; j < w; j++) lanes[j] = Math.fround(lanes[j]! + lanes[j + w]!);
  let sequential = 0;
  for (const v of values) sequential = Math.fround(sequential + v);
  assert.notEqual(lanes[0], sequential); // the two orders differ on this input...
  assert.equal(tensor(values).sum().item(), lanes[0]); // ...and Tessera uses the lane order
});

test('matmul accumulates sequentially over k with one rounding per multiply and add', () => {
  const K = 33;
  const a = randn([1, K], 'order-a', 10);
  const b = randn([K, 1], 'order-b', 10);
  const av = a.toArray();
  const bv = b.toArray();
  let acc = 0;
  for (let k = 0; k < K; k++) acc = Math.fround(acc + Math.fround(av[k]! * bv[k]!));
  assert.equal(a.matmul(b).item(), acc);
});

test('gather, pick and where check their indices and select the right values', () => {
  const table = tensor([[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(f32(gatherRows(table, i32([2, 0, 2], [3]))), [5, 6, 1, 2, 5, 6]);
  assert.deepEqual(gatherRows(table, i32([0, 1, 2, 1], [2, 2])).shape, [2, 2, 2]);
  throwsNamed(() => gatherRows(table, i32([0, 3])), 'IndexOutOfRangeError', /index 3 at position 1 is outside \[0, 3\)/);
  throwsNamed(() => gatherRows(table, i32([-1])), 'IndexOutOfRangeError', /index -1/);
  throwsNamed(() => gatherRows(table, tensor([0])), 'DTypeError', /indices/);
  assert.deepEqual(f32(pick(table, i32([1, 0, 1]))), [2, 3, 6]);
  throwsNamed(() => pick(table, i32([1, 0]), ), 'ShapeError', /must match the leading dims/);
  assert.deepEqual(f32(where(tensor([1, 0, 1]), tensor([1, 2, 3]), -1)), [1, -1, 3]);
});

test('autograd: accumulation across backward calls, noGrad, detach', () => {
  const x = tensor([1, 2, 3]).requireGrad();
  x.mul(x).sum().backward();
  x.mul(3).sum().backward();
  assert.deepEqual(f32(x.grad!), [5, 7, 9]); // 2x + 3
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.node, null);
  const z = x.detach().mul(x).sum();
  x.grad = null;
  z.backward();
  assert.deepEqual(f32(x.grad!), [1, 2, 3]); // only the non-detached factor carries grad
});

test('autograd: backward errors are named', () => {
  const x = tensor([1, 2]).requireGrad();
  throwsNamed(() => x.mul(2).backward(), 'GradError', /non-scalar of shape \[2\]/);
  throwsNamed(() => x.mul(2).backward(tensor([1, 2, 3])), 'ShapeError', /gradient f32\[3\] does not match output f32\[2\]/);
  throwsNamed(() => tensor([1]).backward(), 'GradError', /does not require grad/);
});

test('backward from a given output gradient composes like one graph (pipeline stages)', () => {
  const w1 = randn([4, 5], 'w1').requireGrad();
  const w2 = randn([5, 3], 'w2').requireGrad();
  const x = randn([2, 4], 'x');
  // One graph.
  x.matmul(w1).tanh().matmul(w2).square().sum().backward();
  const whole1 = f32(w1.grad!);
  const whole2 = f32(w2.grad!);
  w1.grad = null;
  w2.grad = null;
  // Two stages: stage 2 gets the activation as a leaf, stage 1 resumes from its gradient.
  const h = x.matmul(w1).tanh();
  const hLeaf = h.detach().requireGrad();
  hLeaf.matmul(w2).square().sum().backward();
  h.backward(hLeaf.grad!);
  assert.deepEqual(f32(w1.grad!), whole1);
  assert.deepEqual(f32(w2.grad!), whole2);
});

test('tensors report their backend; the suite runs once per backend (TESSERA_TEST_BACKEND)', () => {
  const expected = process.env['TESSERA_TEST_BACKEND'] === 'reference' ? 'reference' : 'wasm';
  assert.equal(tensor([1]).backend.name, expected);
  assert.equal(tensor([1], [1], { backend: referenceBackend }).backend, referenceBackend);
});

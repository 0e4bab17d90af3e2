/**
 * Finite-difference gradient checks for every primitive and composite op.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  causalSelfAttention, crossEntropy, gatherRows, gelu, layerNorm, logSoftmax, pick, softmax, tensor, where,
  type Tensor,
} from '../../src/tensor/index.ts';
import { gradCheck, rand, randn, spaced } from '../helpers.ts';

type Case = [name: string, f: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[], opts?: Parameters<typeof gradCheck>[2]];

const idx = (values: number[], shape = [values.length]): Tensor => tensor(new Int32Array(values), shape, { dtype: 'i32' });

const cases: Case[] = [
  ['add (broadcast)', (a, b) => a.add(b), () => [randn([3, 4], 'a'), randn([4], 'b')]],
  ['sub (broadcast)', (a, b) => a.sub(b), () => [randn([2, 1, 3], 'a'), randn([4, 3], 'b')]],
  ['mul (broadcast)', (a, b) => a.mul(b), () => [randn([3, 4], 'a'), randn([3, 1], 'b')]],
  ['div (broadcast)', (a, b) => a.div(b), () => [randn([3, 4], 'a'), rand([4], 'b', 0.5, 2)]],
  ['neg', (a) => a.neg(), () => [randn([5], 'a')]],
  ['exp', (a) => a.exp(), () => [randn([8], 'a')]],
  ['log', (a) => a.log(), () => [rand([8], 'a', 0.5, 3)]],
  ['tanh', (a) => a.tanh(), () => [randn([8], 'a', 1.5)]],
  ['sqrt', (a) => a.sqrt(), () => [rand([8], 'a', 0.5, 3)]],
  ['rsqrt', (a) => a.rsqrt(), () => [rand([8], 'a', 0.5, 3)]],
  ['erf', (a) => a.erf(), () => [randn([8], 'a')]],
  ['maximum', (a, b) => a.maximum(b), () => [spaced([3, 4], 'a'), spaced([3, 4], 'b').add(0.1)]],
  ['where', (c, a, b) => where(c, a, b), () => [idx([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], [3, 4]), randn([3, 4], 'a'), randn([4], 'b')]],
  ['sum (axes 0,2)', (a) => a.sum([0, 2]), () => [randn([2, 3, 4], 'a')]],
  ['sum (all)', (a) => a.sum(), () => [randn([3, 5], 'a')]],
  ['mean (keepDims)', (a) => a.mean(-1, true), () => [randn([3, 5], 'a')]],
  ['max (axis 1)', (a) => a.max(1), () => [spaced([3, 5, 2], 'a')]],
  ['matmul 2-D', (a, b) => a.matmul(b), () => [randn([3, 5], 'a'), randn([5, 4], 'b')]],
  ['matmul batched', (a, b) => a.matmul(b), () => [randn([2, 3, 5], 'a'), randn([2, 5, 4], 'b')]],
  ['matmul weight fold', (a, b) => a.matmul(b), () => [randn([2, 3, 5], 'a'), randn([5, 4], 'b')]],
  ['matmul broadcast batch', (a, b) => a.matmul(b), () => [randn([2, 1, 3, 5], 'a'), randn([3, 5, 2], 'b')]],
  ['matmul transposed views', (a, b) => a.transpose().matmul(b.transpose()), () => [randn([5, 3], 'a'), randn([4, 5], 'b')]],
  ['reshape + permute + slice', (a) => a.permute([2, 0, 1]).slice(1, 1, 3).reshape([3, -1]).mul(a.slice(0, 0, 1).reshape([-1]).slice(0, 0, 6)), () => [randn([4, 3, 3], 'a')]],
  ['expand', (a) => a.expand([3, 2, 4]).mul(randn([3, 2, 4], 'w')), () => [randn([2, 1], 'a')]],
  ['gatherRows (repeated indices)', (t) => gatherRows(t, idx([2, 0, 2, 4, 2], [5])), () => [randn([5, 3], 't')]],
  ['pick', (x) => pick(x, idx([1, 0, 3], [3])), () => [randn([3, 4], 'x')]],
  ['softmax', (x) => softmax(x), () => [randn([3, 6], 'x', 2)]],
  ['logSoftmax', (x) => logSoftmax(x, 0), () => [randn([5, 3], 'x', 2)]],
  ['crossEntropy', (x) => crossEntropy(x, idx([2, 0, 5, 1], [2, 2])), () => [randn([2, 2, 6], 'x', 2)]],
  ['layerNorm', (x, w, b) => layerNorm(x, w, b), () => [randn([3, 6], 'x', 2), randn([6], 'w').add(1), randn([6], 'b')], { h: 3e-3 }],
  ['gelu', (x) => gelu(x), () => [randn([12], 'x', 2)]],
  ['causalSelfAttention', (q, k, v) => causalSelfAttention(q, k, v), () => [randn([1, 2, 4, 3], 'q'), randn([1, 2, 4, 3], 'k'), randn([1, 2, 4, 3], 'v')]],
];

for (const [name, f, inputs, opts] of cases) {
  test(`gradient of ${name} matches finite differences`, () => {
    const { worst, where: at } = gradCheck(f, inputs(), opts);
    assert.ok(worst <= 1, `${name}: worst score ${worst.toFixed(3)} at ${at}`);
  });
}

test('the gradient check catches a wrong gradient', () => {
  // tanh with the derivative of sin-like error (1 - y) instead of (1 - y^2): must fail.
  const wrongTanh = (x: Tensor): Tensor => {
    const y = x.tanh().detach();
    // y + (x - x.detach()) * (1 - y): value tanh(x), gradient (1 - y).
    return y.add(x.sub(x.detach()).mul(y.neg().add(1)));
  };
  const { worst } = gradCheck(wrongTanh, [randn([8], 'a', 1.5)]);
  assert.ok(worst > 1, `a wrong gradient passed the check (worst ${worst})`);
});

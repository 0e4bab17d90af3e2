/**
 * Determinism: the same computation gives the same bits, run after run, and the recorded
 * hashes of a fixed GPT forward + backward (test/replay/gpt-reference.json) still hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hashTensor, layerNorm, softmax } from '../../src/tensor/index.ts';
import { computeReplay, type ReplayRecord } from '../replay/gpt-replay.ts';
import { randn } from '../helpers.ts';

test('the same computation twice gives the same hash', () => {
  const run = (): string => {
    const x = randn([3, 17], 'det-x', 3).requireGrad();
    const y = softmax(layerNorm(x, randn([17], 'det-w'), randn([17], 'det-b')).matmul(randn([17, 5], 'det-m')));
    y.square().sum().backward();
    return hashTensor(y) + hashTensor(x.grad!);
  };
  assert.equal(run(), run());
});

test('a one-ulp change in an input changes the hash', () => {
  const x = randn([4, 4], 'det-ulp');
  const bumped = x.clone();
  const bits = new Int32Array(bumped.data.buffer, bumped.data.byteOffset, 1);
  bits[0]! += 1;
  assert.notEqual(hashTensor(x), hashTensor(bumped));
});

test('GPT init + forward + backward reproduces the recorded hashes bit for bit', () => {
  const recorded = JSON.parse(readFileSync(new URL('../replay/gpt-reference.json', import.meta.url), 'utf8')) as ReplayRecord;
  const first = computeReplay();
  const second = computeReplay();
  assert.deepEqual(second, first, 'two runs in one process differ');
  assert.equal(first.paramsHash, recorded.paramsHash, 'initial parameters changed: the PRNG or init changed');
  assert.equal(first.forwardBackwardHash, recorded.forwardBackwardHash, 'forward/backward bits changed: a numeric-contract change (re-record deliberately with tools/record-replay.ts)');
  assert.equal(first.loss, recorded.loss);
});

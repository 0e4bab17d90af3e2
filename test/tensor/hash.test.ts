/**
 * Canonical bytes and hashes: the documented layout, and sensitivity to dtype, shape and
 * every bit, but not to strides (a view hashes like its dense copy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalBytes, hashTensor, hashTensors, tensor } from '../../src/tensor/index.ts';

test('canonical bytes: dtype code, ndim, u32 LE dims, LE elements', () => {
  const bytes = canonicalBytes(tensor([[1, -2]]));
  assert.deepEqual(Array.from(bytes), [1, 2, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  const ints = canonicalBytes(tensor(new Int32Array([-1]), [], { dtype: 'i32' }));
  assert.deepEqual(Array.from(ints), [2, 0, 0xff, 0xff, 0xff, 0xff]);
});

test('hash = SHA-256 of the canonical bytes; views hash like their dense copies', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(hashTensor(x), createHash('sha256').update(canonicalBytes(x)).digest('hex'));
  assert.equal(hashTensor(x.transpose()), hashTensor(tensor([[1, 4], [2, 5], [3, 6]])));
  assert.notEqual(hashTensor(x), hashTensor(x.reshape([3, 2]))); // shape is hashed
  assert.notEqual(hashTensor(tensor([1])), hashTensor(tensor(new Int32Array([1]), [1], { dtype: 'i32' }))); // dtype too
  assert.notEqual(hashTensor(tensor([0])), hashTensor(tensor([-0]))); // and every bit
});

test('named lists hash names and order', () => {
  const a = tensor([1]);
  const b = tensor([2]);
  assert.notEqual(hashTensors([['a', a], ['b', b]]), hashTensors([['b', b], ['a', a]]));
  assert.notEqual(hashTensors([['a', a]]), hashTensors([['A', a]]));
});

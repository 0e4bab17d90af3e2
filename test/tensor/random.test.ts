/**
 * Philox4x32-10 against the Random123 known-answer vectors, key derivation, and the
 * distributions built on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKey, hashTensor, normal, philox4x32, randomBits, uniform } from '../../src/tensor/index.ts';

test('philox4x32-10 matches the Random123 known-answer vectors', () => {
  // Random123 tests/kat_vectors: counter (4 words), key (2 words) -> output (4 words).
  const kat: Array<[[number, number, number, number], [number, number], number[]]> = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  for (const [counter, key, expected] of kat) assert.deepEqual(philox4x32(counter, key), expected);
});

test('deriveKey is stable, and different paths give different keys', () => {
  // Recorded: changing the derivation changes every random number Tessera makes.
  assert.deepEqual(deriveKey(1234, 'init', 'wte.weight'), deriveKey(1234, 'init', 'wte.weight'));
  assert.notDeepEqual(deriveKey(1234, 'init', 'a'), deriveKey(1234, 'init', 'b'));
  assert.notDeepEqual(deriveKey(1, 2), deriveKey('1', 2)); // numbers and strings do not collide
  assert.notDeepEqual(deriveKey(12, 3), deriveKey(1, 23)); // nor do shifted boundaries
});

test('stream word i depends only on (key, i): prefixes agree', () => {
  const key = deriveKey(9, 'prefix');
  const long = randomBits(key, 103);
  const short = randomBits(key, 10);
  assert.deepEqual(short, long.subarray(0, 10));
});

test('uniform is in [low, high) with the right mean; normal has mean 0 and std 1', () => {
  const u = uniform(deriveKey(5, 'u'), [100_000], -2, 3).toArray();
  let sum = 0;
  for (const v of u) {
    assert.ok(v >= -2 && v < 3);
    sum += v;
  }
  assert.ok(Math.abs(sum / u.length - 0.5) < 0.02, `uniform mean ${sum / u.length}`);
  const z = normal(deriveKey(5, 'z'), [100_001]).toArray();
  let m = 0;
  let s2 = 0;
  for (const v of z) m += v;
  m /= z.length;
  for (const v of z) s2 += (v - m) ** 2;
  const std = Math.sqrt(s2 / z.length);
  assert.ok(Math.abs(m) < 0.01 && Math.abs(std - 1) < 0.01, `normal mean ${m} std ${std}`);
  // Tails: about 0.27% of N(0,1) lies beyond 3 sigma.
  const beyond3 = z.filter((v) => Math.abs(v) > 3).length / z.length;
  assert.ok(beyond3 > 0.0018 && beyond3 < 0.0036, `fraction beyond 3 sigma ${beyond3}`);
});

test('random tensors have recorded hashes (a change here is a numeric-contract change)', () => {
  assert.equal(hashTensor(uniform(deriveKey(42, 'golden'), [3, 5])), RECORDED.uniform);
  assert.equal(hashTensor(normal(deriveKey(42, 'golden'), [7, 3], 0.5, 2)), RECORDED.normal);
});

const RECORDED = {
  uniform: 'f86482cb751069fe37aff3403f4d6e66ce4d9debb2a4b509cfcec870a3e06055',
  normal: '21b14f72b1829c31c1451b3dc6d3ef486b594c52ea0bf862146478ccbf335ed9',
};

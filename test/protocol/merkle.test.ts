/**
 * Merkle trees: a 3-leaf root computed by hand (with node:crypto), agreement with a recursive
 * RFC 6962 implementation for 0..33 leaves, and proofs for every leaf, refused when anything
 * about them is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { merkleProof, merkleRoot, ProtocolError, verifyMerkleProof } from '../../src/protocol/index.ts';

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
};
const leaf = (i: number): Uint8Array => sha(Uint8Array.of(0xaa, i & 0xff, i >> 8));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const L = Uint8Array.of(0);
const N = Uint8Array.of(1);

/** RFC 6962 section 2.1 MTH, written from the RFC: split at the largest power of two below n. */
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(L, d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(N, mth(d.slice(0, k)), mth(d.slice(k)));
}

test('hand-computed roots: empty, one leaf, three leaves', () => {
  assert.equal(merkleRoot([]), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(merkleRoot([leaf(0)]), hex(sha(L, leaf(0))));
  // Three leaves: (a, b) pair up, c is promoted: root = H(1 || H(1 || H(0||a) || H(0||b)) || H(0||c)).
  const [a, b, c] = [leaf(0), leaf(1), leaf(2)];
  const expected = sha(N, sha(N, sha(L, a), sha(L, b)), sha(L, c));
  assert.equal(merkleRoot([a, b, c]), hex(expected));
  assert.notEqual(merkleRoot([a, b, c]), merkleRoot([a, c, b]));
});

test('roots agree with RFC 6962 for 0 to 33 leaves', () => {
  for (let n = 0; n <= 33; n++) {
    const leaves = Array.from({ length: n }, (_, i) => leaf(i));
    assert.equal(merkleRoot(leaves), hex(mth(leaves)), `n = ${n}`);
  }
});

test('a leaf is never confused with an inner node (domain separation)', () => {
  const [a, b] = [leaf(0), leaf(1)];
  const inner = sha(N, sha(L, a), sha(L, b));
  // A one-leaf tree whose leaf is the two-leaf tree's root must not have the same root.
  assert.notEqual(merkleRoot([inner]), merkleRoot([a, b]));
});

test('every leaf of trees of 1 to 33 leaves has a proof that verifies', () => {
  for (let n = 1; n <= 33; n++) {
    const leaves = Array.from({ length: n }, (_, i) => leaf(i));
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(leaves, i);
      assert.ok(proof.length <= Math.ceil(Math.log2(n)), `n ${n} i ${i}`);
      assert.equal(verifyMerkleProof(root, leaves[i]!, i, n, proof), true, `n ${n} i ${i}`);
    }
  }
});

test('proofs are refused with a wrong leaf, index, count, root, or a changed, missing or extra element', () => {
  const n = 11;
  const leaves = Array.from({ length: n }, (_, i) => leaf(i));
  const root = merkleRoot(leaves);
  for (let i = 0; i < n; i++) {
    const proof = merkleProof(leaves, i);
    assert.equal(verifyMerkleProof(root, leaf(100), i, n, proof), false);
    assert.equal(verifyMerkleProof(root, leaves[i]!, (i + 1) % n, n, proof), false);
    assert.equal(verifyMerkleProof(merkleRoot(leaves.slice(1)), leaves[i]!, i, n, proof), false);
    assert.equal(verifyMerkleProof(root, leaves[i]!, i, n, proof.slice(1)), false);
    assert.equal(verifyMerkleProof(root, leaves[i]!, i, n, [...proof, proof[0]!]), false);
    assert.equal(verifyMerkleProof(root, leaves[i]!, i, n, [hex(leaf(99)), ...proof.slice(1)]), false);
  }
  // The count shapes the path only where a node is promoted: the last leaf's proof fails under
  // another count. (Elsewhere the root binds the tree; callers take the count from the commitment.)
  const lastProof = merkleProof(leaves, n - 1);
  for (const cnt of [n - 1, n + 1, n + 2, 2 * n]) assert.equal(verifyMerkleProof(root, leaves[n - 1]!, n - 1, cnt, lastProof), false, `count ${cnt}`);
  // Malformed arguments are false, not throws.
  const proof = merkleProof(leaves, 3);
  for (const [idx, cnt] of [[-1, n], [n, n], [0.5, n], [3, 0], [3, Infinity]] as const) assert.equal(verifyMerkleProof(root, leaves[3]!, idx, cnt, proof), false);
  assert.equal(verifyMerkleProof(root.toUpperCase(), leaves[3]!, 3, n, proof), false);
  assert.equal(verifyMerkleProof(root, leaves[3]!.subarray(1), 3, n, proof), false);
  assert.equal(verifyMerkleProof(root, leaves[3]!, 3, n, ['zz']), false);
});

test('leaves must be 32-byte digests; proof indexes must be in range', () => {
  assert.throws(() => merkleRoot([new Uint8Array(31)]), ProtocolError);
  assert.throws(() => merkleProof([leaf(0)], 1), RangeError);
});

/**
 * @file Merkle trees over 32-byte digests (a trainer's per-step state hashes), with RFC 6962
 * domain separation so a leaf can never be passed off as an inner node:
 *   leaf hash = SHA-256(0x00 || leaf),   node = SHA-256(0x01 || left || right).
 * Levels are built bottom-up, pairing left to right; an odd last node is promoted unchanged to
 * the next level (this gives exactly RFC 6962's tree, which splits at the largest power of two).
 * The root of no leaves is SHA-256 of the empty string.
 */
import { sha256Bytes, toHex, hex64ToBytes, isHex64 } from './hash.ts';
import { ProtocolError } from './errors.ts';
import type { Hash } from './types.ts';

function leafHash(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + leaf.length);
  buf[0] = 0x00;
  buf.set(leaf, 1);
  return sha256Bytes(buf);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256Bytes(buf);
}

function leafHashes(leaves: readonly Uint8Array[]): Uint8Array[] {
  return leaves.map((leaf, i) => {
    if (!(leaf instanceof Uint8Array) || leaf.length !== 32) throw new ProtocolError('malformed', `merkle leaf ${i} is not a 32-byte digest`);
    return leafHash(leaf);
  });
}

function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) up.push(nodeHash(level[i]!, level[i + 1]!));
  if (level.length % 2 === 1) up.push(level[level.length - 1]!);
  return up;
}

/**
 * The root over `leaves` (each a 32-byte digest), as hex.
 * @example const stepsRoot = merkleRoot(stepHashes);
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Hash {
  if (leaves.length === 0) return toHex(sha256Bytes(new Uint8Array(0)));
  let level = leafHashes(leaves);
  while (level.length > 1) level = nextLevel(level);
  return toHex(level[0]!);
}

/**
 * The audit path of leaf `index`: sibling hashes from the bottom up, skipping levels where the
 * node was promoted without a sibling.
 * @example const proof = merkleProof(stepHashes, 7); // sent in a dispute about step 7
 */
export function merkleProof(leaves: readonly Uint8Array[], index: number): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf index ${index} out of range [0, ${leaves.length})`);
  const proof: Hash[] = [];
  let level = leafHashes(leaves);
  let i = index;
  while (level.length > 1) {
    const sibling = i % 2 === 1 ? i - 1 : i + 1;
    if (sibling < level.length) proof.push(toHex(level[sibling]!));
    level = nextLevel(level);
    i >>= 1;
  }
  return proof;
}

/**
 * Whether `proof` shows that `leaf` is leaf `index` of a `count`-leaf tree with root `root`.
 * False (never a throw) for any malformed argument.
 * @example verifyMerkleProof(commitment.stepsRoot, stepHash, 7, H, proof)
 */
export function verifyMerkleProof(root: Hash, leaf: Uint8Array, index: number, count: number, proof: readonly Hash[]): boolean {
  if (!isHex64(root) || !(leaf instanceof Uint8Array) || leaf.length !== 32 || !Array.isArray(proof)) return false;
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(index) || index < 0 || index >= count) return false;
  if (!proof.every(isHex64)) return false;
  let h = leafHash(leaf);
  let i = index;
  let n = count;
  let used = 0;
  while (n > 1) {
    if (i % 2 === 1) {
      if (used >= proof.length) return false;
      h = nodeHash(hex64ToBytes(proof[used++]!), h);
    } else if (i + 1 < n) {
      if (used >= proof.length) return false;
      h = nodeHash(h, hex64ToBytes(proof[used++]!));
    } // else: promoted unchanged
    i = Math.floor(i / 2);
    n = Math.ceil(n / 2);
  }
  return used === proof.length && toHex(h) === root;
}

/**
 * @file SHA-256 and hex helpers for the protocol. Uses @noble/hashes rather than node:crypto so
 * the protocol layer runs unchanged in a browser tab.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Hash } from './types.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * SHA-256 of `bytes`, as 64 lowercase hex characters (the protocol's `Hash`).
 * @example sha256Hex(new Uint8Array()) // 'e3b0c442...b855'
 */
export function sha256Hex(bytes: Uint8Array): Hash {
  return bytesToHex(sha256(bytes));
}

/**
 * SHA-256 of `bytes`, as 32 raw bytes (for Merkle nodes and other hashes of hashes).
 * @example sha256Bytes(utf8('abc')).length // 32
 */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

/**
 * True when `value` is a `Hash` or `PeerKey` in canonical form: exactly 64 lowercase hex
 * characters (uppercase is refused so that one key or digest has one spelling).
 * @example isHex64('ab'.repeat(32)) // true
 */
export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

/**
 * The 32 bytes a 64-character hex string spells; throws RangeError on anything else.
 * @example hex64ToBytes('00'.repeat(32)) // Uint8Array(32) of zeros
 */
export function hex64ToBytes(hex: string): Uint8Array {
  if (!isHex64(hex)) throw new RangeError(`expected 64 lowercase hex characters, got ${JSON.stringify(String(hex).slice(0, 80))}`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Lowercase hex of `bytes`.
 * @example toHex(Uint8Array.of(1, 255)) // '01ff'
 */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/**
 * @file A peer's identity: one ed25519 key pair, kept in a key file, seen three ways:
 * - as a libp2p `PrivateKey` / `PeerId` (what libp2p dials, encrypts and signs gossip with);
 * - as the protocol's `PeerKey`: the raw 32-byte public key as 64 lowercase hex characters;
 * - as the 32-byte ed25519 seed that src/protocol signs commitments with (@noble/curves).
 *
 * The key file holds the libp2p protobuf encoding of the private key (the format go-libp2p and
 * kubo use), so the same identity can be moved between implementations.
 */
import './shims.ts';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Ed25519PrivateKey, PeerId, PublicKey } from '@libp2p/interface';
import type { PeerKey } from '../protocol/types.ts';

/**
 * The key file exists but does not hold a valid, self-consistent ed25519 key.
 *
 * @example
 * ```ts
 * try { await loadOrCreateKey(path); } catch (err) { if (err instanceof KeyFileError) exitWith(`restore or remove ${err.path}`); }
 * ```
 */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super(`key file ${path}: ${message}`, options);
  }
}

/**
 * A string that is not 64 lowercase hex characters, or a peer id that is not ed25519.
 *
 * @example
 * ```ts
 * peerIdFromPeerKey('not-a-key'); // throws InvalidPeerKeyError
 * ```
 */
export class InvalidPeerKeyError extends Error {
  override readonly name = 'InvalidPeerKeyError';
}

const PEER_KEY_RE = /^[0-9a-f]{64}$/;

/**
 * Loads the ed25519 key in `path`, or creates one there (mode 0600, parent folders 0700) when
 * the file does not exist. A file that exists but is damaged throws `KeyFileError` and is left
 * untouched: silently replacing it would change the peer's identity.
 *
 * @example
 * ```ts
 * const key = await loadOrCreateKey('/var/lib/tessera/peer.key');
 * const node = await createNetNode({ privateKey: key });
 * ```
 */
export async function loadOrCreateKey(path: string): Promise<Ed25519PrivateKey> {
  const existing = await readKeyFile(path);
  if (existing !== undefined) return existing;
  const key = await generateKeyPair('Ed25519');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Write a temporary file, then hard-link it into place: link() fails if `path` appeared in
  // the meantime (another process won the race), and a crash never leaves a half-written key.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(privateKeyToProtobuf(key));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await readKeyFile(path); // another process created it first: use theirs
    if (winner === undefined) throw err;
    return winner;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return key;
}

/** Reads and checks a key file; undefined when it does not exist. */
async function readKeyFile(path: string): Promise<Ed25519PrivateKey | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let key;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (err) {
    throw new KeyFileError(path, 'not a libp2p private key', { cause: err });
  }
  if (key.type !== 'Ed25519') throw new KeyFileError(path, `expected an Ed25519 key, found ${key.type}`);
  // The protobuf decoder accepts any 64 bytes (seed || public key), so a flipped bit loads
  // "fine" and then signs with a key nobody can verify. Re-derive the public key to catch it.
  const derived = ed25519.getPublicKey(signingSeed(key));
  if (!bytesEqual(derived, key.publicKey.raw)) throw new KeyFileError(path, 'public key does not match the private key (file corrupted?)');
  return key;
}

/**
 * The 32-byte ed25519 seed of `key`, for signing with @noble/curves: `ed25519.sign(msg, seed)`
 * verifies under `key.publicKey.raw` (= the peer's PeerKey). Keep it secret.
 *
 * @example
 * ```ts
 * const signature = ed25519.sign(message, signingSeed(key));
 * ed25519.verify(signature, message, hexToBytes(peerKeyFromPublicKey(key.publicKey))); // true
 * ```
 */
export function signingSeed(key: Ed25519PrivateKey): Uint8Array {
  // libp2p's raw ed25519 private key is seed (32 bytes) followed by the public key (32 bytes).
  return key.raw.slice(0, 32);
}

/**
 * The protocol's PeerKey (64 lowercase hex) of an ed25519 public key.
 *
 * @example
 * ```ts
 * const self: PeerKey = peerKeyFromPublicKey(privateKey.publicKey);
 * ```
 */
export function peerKeyFromPublicKey(key: PublicKey): PeerKey {
  if (key.type !== 'Ed25519') throw new InvalidPeerKeyError(`expected an Ed25519 public key, got ${key.type}`);
  return Buffer.from(key.raw).toString('hex');
}

/**
 * The protocol's PeerKey of a libp2p PeerId; throws `InvalidPeerKeyError` for a non-ed25519 peer
 * (an RSA or secp256k1 peer cannot take part in a run).
 *
 * @example
 * ```ts
 * libp2p.handle(proto, (stream, connection) => { const from = peerKeyFromPeerId(connection.remotePeer); });
 * ```
 */
export function peerKeyFromPeerId(peerId: PeerId): PeerKey {
  if (peerId.type !== 'Ed25519') throw new InvalidPeerKeyError(`peer ${peerId.toString()} is not an Ed25519 peer`);
  return peerKeyFromPublicKey(peerId.publicKey);
}

/**
 * The libp2p PeerId (12D3KooW...) of a PeerKey; throws `InvalidPeerKeyError` unless the key is
 * 64 lowercase hex characters.
 *
 * @example
 * ```ts
 * await libp2p.dial(peerIdFromPeerKey(status.members[0]!));
 * ```
 */
export function peerIdFromPeerKey(key: PeerKey): PeerId {
  if (!PEER_KEY_RE.test(key)) throw new InvalidPeerKeyError(`not a peer key (64 lowercase hex): ${JSON.stringify(key.slice(0, 80))}`);
  return peerIdFromPublicKey(publicKeyFromRaw(Buffer.from(key, 'hex')));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

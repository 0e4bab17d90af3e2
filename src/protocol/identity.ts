/**
 * @file Peer identities: an ed25519 key pair whose public key, as hex, is the PeerKey. Signing
 * and verifying commitments and ledger records. @noble/curves keeps this portable to browsers.
 *
 * Verification is strict RFC 8032 (zip215: false): non-canonical encodings of the key, R or S
 * are refused. Signatures are part of hashed bytes (a commitment hash covers its signature), so
 * a third party must not be able to turn one valid signature into another.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { ProtocolError } from './errors.ts';
import { hex64ToBytes, isHex64, sha256Hex, toHex } from './hash.ts';
import type { Commitment, Hash, PeerKey, RoundRecord, SignedCommitment, SignedRecord } from './types.ts';
import { encodeCommitment, encodeRecord, encodeSignedCommitment } from './wire.ts';

/**
 * A signing identity. Keep `secretKey` (the 32-byte ed25519 seed) private; `peer` is public.
 * @example const { peer } = identityFromSeed(seed);
 */
export interface Identity {
  readonly secretKey: Uint8Array;
  readonly peer: PeerKey;
}

/**
 * A fresh random identity (from the platform's CSPRNG).
 * @example const me = generateIdentity(); console.log(me.peer);
 */
export function generateIdentity(): Identity {
  return identityFromSeed(ed25519.utils.randomSecretKey());
}

/**
 * The identity of a 32-byte seed (the form in which a node stores its key).
 * @example const me = identityFromSeed(readFileSync('peer.key'));
 */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError(`an ed25519 seed is 32 bytes, got ${seed?.length}`);
  const secretKey = new Uint8Array(seed);
  return { secretKey, peer: toHex(ed25519.getPublicKey(secretKey)) };
}

/**
 * ed25519 signature (64 bytes) of `bytes`.
 * @example const sig = sign(me, encodeCommitment(c));
 */
export function sign(identity: Identity, bytes: Uint8Array): Uint8Array {
  return ed25519.sign(bytes, identity.secretKey);
}

/**
 * Whether `signature` is `peer`'s signature of `bytes`. False on any malformed input; never throws.
 * @example if (!verify(peer, bytes, sig)) refuse('bad-signature');
 */
export function verify(peer: PeerKey, bytes: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!isHex64(peer) || !(bytes instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64) return false;
    return ed25519.verify(signature, bytes, hex64ToBytes(peer), { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Signs a commitment, which must name this identity as its peer.
 * @example const signed = signCommitment(me, { run, round, peer: me.peer, ... });
 */
export function signCommitment(identity: Identity, commitment: Commitment): SignedCommitment {
  if (commitment.peer !== identity.peer) {
    throw new ProtocolError('bad-signature', `commitment names peer ${commitment.peer.slice(0, 12)}, signing key is ${identity.peer.slice(0, 12)}`);
  }
  return { commitment, signature: sign(identity, encodeCommitment(commitment)) };
}

/**
 * Throws ProtocolError('bad-signature') unless the signature verifies under `commitment.peer`
 * (and 'malformed' if the commitment itself is not a valid commitment).
 * @example verifyCommitment(req.signed); // then check run, round, membership...
 */
export function verifyCommitment(signed: SignedCommitment): void {
  const bytes = encodeCommitment(signed.commitment);
  if (!verify(signed.commitment.peer, bytes, signed.signature)) {
    throw new ProtocolError('bad-signature', `commitment signature does not verify under peer ${signed.commitment.peer.slice(0, 12)}`);
  }
}

/**
 * The commitment's identity in the ledger: SHA-256 of its canonical signed encoding.
 * @example accepted.push({ peer, payloadHash, commitmentHash: commitmentHash(signed) });
 */
export function commitmentHash(signed: SignedCommitment): Hash {
  return sha256Hex(encodeSignedCommitment(signed));
}

/**
 * Signs a ledger record as this identity (the coordinator).
 * @example ledger.append(signRecord(coordinator, nextRecord(last, fields)));
 */
export function signRecord(identity: Identity, record: RoundRecord): SignedRecord {
  return { record, signer: identity.peer, signature: sign(identity, encodeRecord(record)) };
}

/**
 * Throws ProtocolError('bad-signature') unless the record's signature verifies under its
 * `signer`, and, when given, `signer` is `expectedSigner` (the run's coordinator).
 * @example verifyRecord(status.last, coordinatorKey);
 */
export function verifyRecord(signed: SignedRecord, expectedSigner?: PeerKey): void {
  if (expectedSigner !== undefined && signed.signer !== expectedSigner) {
    throw new ProtocolError('bad-signature', `record signed by ${String(signed.signer).slice(0, 12)}, expected ${expectedSigner.slice(0, 12)}`);
  }
  if (!verify(signed.signer, encodeRecord(signed.record), signed.signature)) {
    throw new ProtocolError('bad-signature', `record ${signed.record.index} signature does not verify under ${String(signed.signer).slice(0, 12)}`);
  }
}

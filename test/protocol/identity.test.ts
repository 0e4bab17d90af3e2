/**
 * Identities and signatures: RFC 8032 test vector, commitments and records signed and
 * verified, and refused ('bad-signature') under another key, with a flipped bit, with a
 * malleated S, or after any change to what was signed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  commitmentHash, encodeCommitment, encodeSignedCommitment, generateIdentity, identityFromSeed, ProtocolError, sha256Hex, sign,
  signCommitment, signRecord, verify, verifyCommitment, verifyRecord, type SignedCommitment,
} from '../../src/protocol/index.ts';
import { alice, bob, commitment, coordinator, h, records } from './fixtures.ts';

const badSignature = (e: unknown): boolean => e instanceof ProtocolError && e.reason === 'bad-signature';
const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
  return out;
};

test('RFC 8032 section 7.1 test 1: key and signature of the empty message', () => {
  const me = identityFromSeed(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
  assert.equal(me.peer, 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const sig = sign(me, new Uint8Array(0));
  assert.equal(Buffer.from(sig).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  assert.equal(verify(me.peer, new Uint8Array(0), sig), true);
});

test('generated identities are distinct, and a seed always gives the same key', () => {
  const a = generateIdentity();
  const b = generateIdentity();
  assert.notEqual(a.peer, b.peer);
  assert.match(a.peer, /^[0-9a-f]{64}$/);
  assert.equal(identityFromSeed(a.secretKey).peer, a.peer);
  assert.throws(() => identityFromSeed(new Uint8Array(31)), RangeError);
});

test('verify is false, never a throw, for bad input', () => {
  const msg = Uint8Array.of(1, 2, 3);
  const sig = sign(alice, msg);
  assert.equal(verify(alice.peer, msg, sig), true);
  assert.equal(verify(bob.peer, msg, sig), false);
  assert.equal(verify(alice.peer, Uint8Array.of(1, 2, 4), sig), false);
  for (let bit = 0; bit < 512; bit += 37) assert.equal(verify(alice.peer, msg, flip(sig, bit)), false, `bit ${bit}`);
  for (const peer of ['', alice.peer.toUpperCase(), alice.peer.slice(2), 'zz'.repeat(32), 'ff'.repeat(32), undefined, 7]) {
    assert.equal(verify(peer as string, msg, sig), false);
  }
  for (const s of [new Uint8Array(63), new Uint8Array(65), new Uint8Array(64), 'sig', undefined]) assert.equal(verify(alice.peer, msg, s as Uint8Array), false);
  assert.equal(verify(alice.peer, 'msg' as unknown as Uint8Array, sig), false);
});

test('a malleated signature (S + L) is refused, so signed bytes have one valid signature', () => {
  const msg = Uint8Array.of(9);
  const sig = sign(alice, msg);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
  let t = s + L;
  const out = Uint8Array.from(sig);
  for (let i = 0; i < 32; i++) { out[32 + i] = Number(t & 0xffn); t >>= 8n; }
  assert.equal(verify(alice.peer, msg, out), false);
});

test("a small-order key's universal signature is refused (it would verify under ZIP 215 rules)", () => {
  // A = the identity point, R = identity, S = 0: [8][S]B = [8]R + [8][k]A holds for every message.
  const weak = '01'.padEnd(64, '0');
  const sig = new Uint8Array(64);
  sig[0] = 1;
  for (const msg of [Uint8Array.of(1), encodeCommitment(commitment(alice))]) assert.equal(verify(weak, msg, sig), false);
});

test('commitments: signed, verified, and refused under another key, a flipped bit or an edit', () => {
  const signed = signCommitment(alice, commitment(alice));
  verifyCommitment(signed);
  assert.equal(verify(alice.peer, encodeCommitment(signed.commitment), signed.signature), true);
  assert.throws(() => verifyCommitment({ ...signed, commitment: { ...signed.commitment, peer: bob.peer } }), badSignature);
  assert.throws(() => verifyCommitment({ ...signed, signature: sign(bob, encodeCommitment(signed.commitment)) }), badSignature);
  assert.throws(() => verifyCommitment({ ...signed, signature: flip(signed.signature, 100) }), badSignature);
  for (const edit of [{ round: 5 }, { loss: 3.5 }, { payloadBytes: 1 }, { payloadHash: h('other') }]) {
    assert.throws(() => verifyCommitment({ ...signed, commitment: { ...signed.commitment, ...edit } }), badSignature, JSON.stringify(edit));
  }
  assert.throws(() => signCommitment(bob, commitment(alice)), badSignature);
});

test('a commitment whose fields are malformed is refused as malformed, not verified', () => {
  const signed = signCommitment(alice, commitment(alice));
  const bad: SignedCommitment = { ...signed, commitment: { ...signed.commitment, round: -1 } };
  assert.throws(() => verifyCommitment(bad), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed');
});

test('commitmentHash is SHA-256 of the signed encoding and covers the signature', () => {
  const signed = signCommitment(alice, commitment(alice));
  assert.equal(commitmentHash(signed), createHash('sha256').update(encodeSignedCommitment(signed)).digest('hex'));
  assert.equal(sha256Hex(Uint8Array.of(1, 2)), createHash('sha256').update(Uint8Array.of(1, 2)).digest('hex'));
  assert.notEqual(commitmentHash({ ...signed, signature: sign(alice, Uint8Array.of(0)) }), commitmentHash(signed));
});

test('records: verified under their signer, refused for another expected signer or any change', () => {
  const [, r1] = records();
  verifyRecord(r1!);
  verifyRecord(r1!, coordinator.peer);
  assert.throws(() => verifyRecord(r1!, alice.peer), badSignature);
  assert.throws(() => verifyRecord({ ...r1!, signer: alice.peer }), badSignature);
  assert.throws(() => verifyRecord({ ...r1!, signature: flip(r1!.signature, 7) }), badSignature);
  assert.throws(() => verifyRecord({ ...r1!, record: { ...r1!.record, model: h('forged') } }), badSignature);
  const byAlice = signRecord(alice, r1!.record);
  verifyRecord(byAlice);
  assert.throws(() => verifyRecord(byAlice, coordinator.peer), badSignature);
});

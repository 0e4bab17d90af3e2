import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  InvalidPeerKeyError, KeyFileError, loadOrCreateKey, peerIdFromPeerKey, peerKeyFromPeerId, peerKeyFromPublicKey, shimsInstalled, signingSeed,
} from '../../src/net/index.ts';
import { identityFromSeed, verify } from '../../src/protocol/identity.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('shims', () => {
  it('Promise.withResolvers follows the spec (native on Node 22+, shimmed on 20)', async () => {
    const P = Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } };
    const r = P.withResolvers<number>();
    r.resolve(7);
    assert.equal(await r.promise, 7);
    const failed = P.withResolvers<number>();
    failed.reject(new Error('x'));
    await assert.rejects(failed.promise, /x/);
    class Sub<T> extends Promise<T> {}
    assert.ok((Sub as unknown as typeof P).withResolvers().promise instanceof Sub, 'subclass gets its own instances');
    assert.throws(() => Reflect.apply(P.withResolvers, {}, []), TypeError);
    const desc = Object.getOwnPropertyDescriptor(Promise, 'withResolvers')!;
    assert.deepEqual([desc.writable, desc.enumerable, desc.configurable], [true, false, true]);
    assert.equal(P.withResolvers.length, 0);
  });

  it('a global WebSocket exists, and shims are installed only where missing', () => {
    assert.equal(typeof globalThis.WebSocket, 'function');
    const major = Number(process.versions.node.split('.')[0]);
    if (major >= 22) assert.deepEqual(shimsInstalled, { withResolvers: false, webSocket: false });
  });
});

describe('key file', () => {
  it('creates a 0600 key file when missing, then loads the same key', async () => {
    const path = join(dir, 'sub', 'peer.key');
    const created = await loadOrCreateKey(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readdirSync(join(dir, 'sub')).length, 1, 'no temporary file left behind');
    const loaded = await loadOrCreateKey(path);
    assert.ok(loaded.equals(created));
    assert.equal(peerKeyFromPublicKey(loaded.publicKey), peerKeyFromPublicKey(created.publicKey));
  });

  it('concurrent creators agree on one key', async () => {
    const path = join(dir, 'race.key');
    const keys = await Promise.all([loadOrCreateKey(path), loadOrCreateKey(path), loadOrCreateKey(path)]);
    assert.ok(keys.every((k) => k.equals(keys[0])));
  });

  it('a damaged file is a KeyFileError and is left untouched', async () => {
    const good = privateKeyToProtobuf(await generateKeyPair('Ed25519'));
    const flipped = Uint8Array.from(good);
    flipped[10]! ^= 1; // inside the seed: decodes fine, but the public key no longer matches
    const secp = privateKeyToProtobuf(await generateKeyPair('secp256k1'));
    for (const [name, bytes] of [['truncated', good.subarray(0, 20)], ['flipped', flipped], ['garbage', Buffer.from('hello')], ['secp256k1', secp]] as const) {
      const path = join(dir, `${name}.key`);
      writeFileSync(path, bytes);
      await assert.rejects(loadOrCreateKey(path), (err: Error) => err instanceof KeyFileError && err.name === 'KeyFileError', name);
      assert.deepEqual(new Uint8Array(readFileSync(path)), new Uint8Array(bytes), `${name} file unchanged`);
    }
  });
});

describe('peer keys', () => {
  it('PeerKey <-> PeerId round trip, and noble agrees with libp2p on the key pair', async () => {
    const key = await generateKeyPair('Ed25519');
    const peerId = peerIdFromPrivateKey(key);
    const peerKey = peerKeyFromPeerId(peerId);
    assert.match(peerKey, /^[0-9a-f]{64}$/);
    assert.equal(peerKey, peerKeyFromPublicKey(key.publicKey));
    assert.ok(peerIdFromPeerKey(peerKey).equals(peerId));
    assert.equal(peerIdFromPeerKey(peerKey).toString(), peerId.toString());

    const seed = signingSeed(key);
    assert.equal(seed.length, 32);
    assert.deepEqual(ed25519.getPublicKey(seed), key.publicKey.raw);
    // The protocol layer's identity from the same seed is the same peer ...
    assert.equal(identityFromSeed(seed).peer, peerKey);
    // ... and signatures made by either side verify under the PeerKey.
    const msg = new TextEncoder().encode('commitment bytes');
    assert.ok(verify(peerKey, msg, ed25519.sign(msg, seed)));
    assert.ok(verify(peerKey, msg, await key.sign(msg)));
  });

  it('refuses malformed peer keys and non-ed25519 peers', async () => {
    for (const bad of ['', 'AB'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32), 'ab'.repeat(33)]) {
      assert.throws(() => peerIdFromPeerKey(bad), InvalidPeerKeyError);
    }
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1'));
    assert.throws(() => peerKeyFromPeerId(secp), InvalidPeerKeyError);
  });
});

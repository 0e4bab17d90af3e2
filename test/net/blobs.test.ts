import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOB_FOUND, BlobFetchError, DirBlobStore, MemoryBlobStore, fetchBlob, serveBlobs, sha256HexFast, type Libp2pTransport } from '../../src/net/index.ts';
import { sha256Hex } from '../../src/protocol/hash.ts';
import { encodeBlobRequest } from '../../src/protocol/wire.ts';
import { addrsOf, deferred, startPeer, stopAll } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
after(() => stopAll(cleanup));
const dir = mkdtempSync(join(tmpdir(), 'tessera-blobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const blob = randomBytes(200_000);
const hash = sha256HexFast(blob);
const release = deferred();

/** Providers: without the blob, serving corrupted bytes, never answering, and honest. */
let empty: Libp2pTransport, corrupt: Libp2pTransport, silent: Libp2pTransport, honest: Libp2pTransport, fetcher: Libp2pTransport;
const at = (t: Libp2pTransport) => ({ peer: t.self, addrs: addrsOf(t, 'tcp') });

before(async () => {
  const start = () => startPeer(cleanup);
  [empty, corrupt, silent, honest, fetcher] = await Promise.all([start(), start(), start(), start(), start()]);
  serveBlobs(empty, new MemoryBlobStore());
  corrupt.handle('blob', async () => {
    const bad = Uint8Array.of(BLOB_FOUND, ...blob.subarray(0, 1000));
    bad[500] = bad[500]! ^ 1;
    return bad;
  });
  silent.handle('blob', async () => { await release.promise; return Uint8Array.of(0); });
  const store = new MemoryBlobStore();
  store.put(blob);
  serveBlobs(honest, store);
});
after(() => release.resolve());

describe('fetchBlob', () => {
  it('skips a provider without it and one with corrupted bytes, then verifies the right bytes', async () => {
    const got = await fetchBlob(fetcher, hash, [at(empty), at(corrupt), at(honest)], { maxBytes: 1 << 20, timeoutMs: 3000 });
    assert.equal(sha256HexFast(got), hash);
    assert.deepEqual(Buffer.from(got), blob);
  });

  it('throws BlobFetchError naming each provider\'s failure', async () => {
    const dead = await startPeer([]); // started, then stopped: its addresses refuse connections
    const deadAddr = at(dead);
    await dead.close();
    const providers = [at(empty), at(corrupt), at(silent), deadAddr];
    const t0 = Date.now();
    const err = await fetchBlob(fetcher, hash, providers, { maxBytes: 1 << 20, timeoutMs: 1500 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BlobFetchError, String(err));
    assert.deepEqual(err.failures.map((f) => f.reason), ['not-found', 'hash-mismatch', 'timeout', 'failed']);
    assert.deepEqual(err.failures.map((f) => f.peer), providers.map((p) => p.peer));
    assert.equal(err.name, 'BlobFetchError');
    assert.ok(Date.now() - t0 < 6000, `took ${Date.now() - t0} ms`);
  });

  it('refuses a blob over maxBytes, and stops at once when the caller aborts', async () => {
    const err = await fetchBlob(fetcher, hash, [at(honest)], { maxBytes: 1000, timeoutMs: 3000 }).catch((e: unknown) => e);
    assert.ok(err instanceof BlobFetchError);
    assert.equal(err.failures[0]!.reason, 'failed');
    assert.match(err.failures[0]!.message, /FrameTooLargeError/);
    const controller = new AbortController();
    const pending = fetchBlob(fetcher, hash, [at(silent), at(honest)], { maxBytes: 1 << 20, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await assert.rejects(pending, /shutting down/);
  });

  it('a malformed blob request gets status 2, not a crash', async () => {
    const res = await fetcher.request(at(honest), 'blob', new Uint8Array([1, 2, 3]));
    assert.deepEqual(res, Uint8Array.of(2));
    const ok = await fetcher.request(at(honest), 'blob', encodeBlobRequest({ type: 'blob', hash }));
    assert.equal(ok.length, blob.length + 1);
  });

  it('moves 16 MB over loopback TCP and WebSockets (throughput reported)', async (t) => {
    const big = randomBytes(16 * 1024 * 1024);
    const store = new MemoryBlobStore();
    const bigHash = store.put(big);
    serveBlobs(honest, store);
    for (const kind of ['tcp', 'ws'] as const) {
      const client = await startPeer(cleanup);
      const to = { peer: honest.self, addrs: addrsOf(honest, kind) };
      await client.request(to, 'blob', encodeBlobRequest({ type: 'blob', hash: sha256HexFast(new Uint8Array(1)) })); // connect first
      const t0 = performance.now();
      const got = await fetchBlob(client, bigHash, [to], { maxBytes: 32 << 20, timeoutMs: 20_000 });
      const ms = performance.now() - t0;
      assert.equal(got.length, big.length);
      t.diagnostic(`16 MiB blob over ${kind}: ${ms.toFixed(0)} ms, ${(16 / (ms / 1000)).toFixed(1)} MiB/s (incl. SHA-256 on both ends)`);
    }
  });
});

describe('blob stores', () => {
  it('node:crypto and @noble give the same digest', () => {
    assert.equal(sha256HexFast(blob), sha256Hex(blob));
  });

  it('MemoryBlobStore stores a copy', () => {
    const store = new MemoryBlobStore();
    const bytes = Uint8Array.of(1, 2, 3);
    const h = store.put(bytes);
    bytes[0] = 9;
    assert.deepEqual(store.get(h), Uint8Array.of(1, 2, 3));
    assert.ok(store.has(h));
    assert.equal(store.get(sha256HexFast(bytes)), undefined);
  });

  it('DirBlobStore writes atomically under the hash and reads back verified', () => {
    const store = new DirBlobStore(join(dir, 'store'));
    const h = store.put(blob);
    assert.equal(h, hash);
    assert.deepEqual(readdirSync(store.dir), [hash], 'only the final file, no temporaries');
    assert.deepEqual(readFileSync(join(store.dir, hash)), blob);
    assert.equal(store.put(blob), hash, 'idempotent');
    assert.ok(store.has(hash));
    assert.deepEqual(Buffer.from(store.get(hash)!), blob);
    assert.equal(new DirBlobStore(store.dir).get(hash)?.length, blob.length, 'survives a restart');
  });

  it('DirBlobStore deletes a corrupted file and reports it missing; put repairs it', () => {
    const store = new DirBlobStore(join(dir, 'corrupt'));
    store.put(blob);
    const path = join(store.dir, hash);
    const damaged = Buffer.from(blob);
    damaged[1234] = damaged[1234]! ^ 0xff; // same size, different bytes
    writeFileSync(path, damaged);
    assert.equal(store.get(hash), undefined);
    assert.equal(store.has(hash), false, 'the damaged file is gone');
    writeFileSync(path, blob.subarray(0, 100)); // a truncated leftover
    assert.equal(store.put(blob), hash);
    assert.equal(statSync(path).size, blob.length, 'put replaced the short file');
    assert.deepEqual(Buffer.from(store.get(hash)!), blob);
  });

  it('DirBlobStore never turns a hash into a path outside its folder', () => {
    const store = new DirBlobStore(join(dir, 'safe'));
    writeFileSync(join(dir, 'secret'), 'x');
    for (const bad of ['../secret', '', 'A'.repeat(64), hash.slice(1)]) {
      assert.equal(store.has(bad), false);
      assert.equal(store.get(bad), undefined);
    }
  });
});

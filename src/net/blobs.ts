/**
 * @file Content-addressed blobs (checkpoints, contribution payloads): two stores, the 'blob'
 * service that serves a store, and `fetchBlob`, which tries providers in turn and accepts only
 * bytes whose SHA-256 is the requested hash.
 *
 * Blob service: request = the protocol's BlobRequest (wire.ts, canonical CBOR); response =
 * one status byte then the blob: 1 = found (the blob follows), 0 = not found, 2 = the request
 * was malformed. SHA-256 here is node:crypto (fast for large blobs); it gives the same digest as
 * the @noble/hashes one the protocol layer uses for small messages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isHex64 } from '../protocol/hash.ts';
import type { BlobStore, PeerAddress, RequestOptions, Transport } from '../protocol/transport.ts';
import type { Hash, PeerKey } from '../protocol/types.ts';
import { decodeBlobRequest, encodeBlobRequest } from '../protocol/wire.ts';

/**
 * Status bytes of a blob response: found (the blob follows), not found, malformed request.
 *
 * @example
 * ```ts
 * if (response[0] === BLOB_FOUND) use(response.subarray(1));
 * ```
 */
export const BLOB_FOUND = 1;
/** @example `Uint8Array.of(BLOB_NOT_FOUND)` is the whole answer when the blob is missing. */
export const BLOB_NOT_FOUND = 0;
/** @example `Uint8Array.of(BLOB_BAD_REQUEST)` answers a request that is not a valid BlobRequest. */
export const BLOB_BAD_REQUEST = 2;

/**
 * SHA-256 of `bytes` as 64 lowercase hex (node:crypto).
 *
 * @example
 * ```ts
 * sha256HexFast(new Uint8Array()); // 'e3b0c442...b855'
 * ```
 */
export function sha256HexFast(bytes: Uint8Array): Hash {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Blobs in memory. `get` returns the stored array itself: callers must not modify it.
 *
 * @example
 * ```ts
 * const store = new MemoryBlobStore();
 * const hash = store.put(bytes);
 * store.get(hash); // bytes
 * ```
 */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<Hash, Uint8Array>();

  has(hash: Hash): boolean {
    return this.blobs.has(hash);
  }

  get(hash: Hash): Uint8Array | undefined {
    return this.blobs.get(hash);
  }

  put(bytes: Uint8Array): Hash {
    const hash = sha256HexFast(bytes);
    // Copy, so a caller reusing its buffer cannot change a stored blob under its hash.
    if (!this.blobs.has(hash)) this.blobs.set(hash, new Uint8Array(bytes));
    return hash;
  }
}

/**
 * Blobs as files in one folder, each named by its SHA-256 hex. Writes go to a temporary file in
 * the same folder, are fsynced, then renamed into place, so a reader (or a crash) never sees a
 * partial blob. Reads are verified: a file whose bytes do not hash to its name (disk damage, a
 * stray edit) is deleted and reported missing, so it is fetched again rather than served.
 * `has` only checks that the file exists (hashing a checkpoint on every `has` would be slow).
 *
 * @example
 * ```ts
 * const store = new DirBlobStore('/var/lib/tessera/blobs');
 * const hash = store.put(checkpointBytes);
 * const again = store.get(hash); // verified, or undefined
 * ```
 */
export class DirBlobStore implements BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  has(hash: Hash): boolean {
    // isHex64 first: hashes arrive from the network and must never become paths like '../x'.
    return isHex64(hash) && existsSync(join(this.dir, hash));
  }

  get(hash: Hash): Uint8Array | undefined {
    if (!isHex64(hash)) return undefined;
    const path = join(this.dir, hash);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (sha256HexFast(bytes) !== hash) {
      unlinkSync(path);
      return undefined;
    }
    return bytes;
  }

  put(bytes: Uint8Array): Hash {
    const hash = sha256HexFast(bytes);
    const path = join(this.dir, hash);
    // Same name and size: already stored (a damaged copy is caught and removed by `get`).
    if (existsSync(path) && statSync(path).size === bytes.length) return hash;
    const tmp = join(this.dir, `.${hash}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(tmp, path);
    } catch (err) {
      try { unlinkSync(tmp); } catch { /* already gone */ }
      throw err;
    }
    return hash;
  }
}

/**
 * Registers the 'blob' service on `transport`, answering from `store`.
 *
 * @example
 * ```ts
 * serveBlobs(transport, store);
 * ```
 */
export function serveBlobs(transport: Transport, store: BlobStore): void {
  transport.handle('blob', async (request) => {
    let hash: Hash;
    try {
      hash = decodeBlobRequest(request).hash;
    } catch {
      return Uint8Array.of(BLOB_BAD_REQUEST);
    }
    const bytes = store.get(hash);
    if (bytes === undefined) return Uint8Array.of(BLOB_NOT_FOUND);
    // One copy to prepend the status byte; the frame writer then streams it without copying.
    const response = new Uint8Array(bytes.length + 1);
    response[0] = BLOB_FOUND;
    response.set(bytes, 1);
    return response;
  }, { maxRequestBytes: 1024 });
}

/**
 * Why one provider did not deliver a blob.
 *
 * @example
 * ```ts
 * err.failures.filter((f) => f.reason === 'hash-mismatch').forEach((f) => ban(f.peer));
 * ```
 */
export type BlobFailureReason = 'not-found' | 'hash-mismatch' | 'timeout' | 'malformed' | 'failed';

/**
 * One provider's failure, as listed by BlobFetchError.
 *
 * @example
 * ```ts
 * const f: BlobFailure = { peer, reason: 'timeout', message: 'no blob within 60000 ms' };
 * ```
 */
export interface BlobFailure {
  readonly peer: PeerKey;
  readonly reason: BlobFailureReason;
  readonly message: string;
}

/**
 * No provider delivered the blob; `failures` holds one entry per provider, in order tried.
 *
 * @example
 * ```ts
 * try { await fetchBlob(t, hash, providers, { maxBytes }); } catch (err) { if (err instanceof BlobFetchError) log(err.failures); }
 * ```
 */
export class BlobFetchError extends Error {
  override readonly name = 'BlobFetchError';
  readonly hash: Hash;
  readonly failures: readonly BlobFailure[];

  constructor(hash: Hash, failures: readonly BlobFailure[]) {
    const list = failures.map((f) => `${f.peer.slice(0, 12)}: ${f.reason} (${f.message})`).join('; ');
    super(`could not fetch blob ${hash.slice(0, 16)} from ${failures.length} provider(s): ${list || 'none given'}`);
    this.hash = hash;
    this.failures = failures;
  }
}

/**
 * Options of fetchBlob.
 *
 * @example
 * ```ts
 * const options: FetchBlobOptions = { maxBytes: 1 << 30, timeoutMs: 120_000, signal };
 * ```
 */
export interface FetchBlobOptions {
  /** Largest blob accepted, in bytes (a provider sending more has its stream reset). */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** Time limit per provider; default 60 s. */
  readonly timeoutMs?: number;
}

/**
 * Fetches blob `hash` from the first provider that delivers bytes hashing to it. A provider
 * that lacks it, sends other bytes, times out or cannot be reached is skipped with its reason;
 * when all fail, throws `BlobFetchError`. The caller's `signal` aborts the whole fetch.
 *
 * @example
 * ```ts
 * const bytes = await fetchBlob(transport, status.model, status.providers, { maxBytes: 1 << 30, signal });
 * ```
 */
export async function fetchBlob(transport: Transport, hash: Hash, providers: readonly PeerAddress[], options: FetchBlobOptions): Promise<Uint8Array> {
  const request = encodeBlobRequest({ type: 'blob', hash });
  const failures: BlobFailure[] = [];
  for (const provider of providers) {
    options.signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    // `timeoutMs` is read by Libp2pTransport (it replaces its default request time limit);
    // other transports ignore it and the signal still bounds the request.
    const requestOptions: RequestOptions & { timeoutMs: number } = { signal, maxResponseBytes: options.maxBytes + 1, timeoutMs };
    const fail = (reason: BlobFailureReason, message: string): void => { failures.push({ peer: provider.peer, reason, message }); };
    let response: Uint8Array;
    try {
      response = await transport.request(provider, 'blob', request, requestOptions);
    } catch (err) {
      if (options.signal?.aborted === true) throw options.signal.reason;
      const e = err as Error;
      if (timeout.aborted || e.name === 'RequestTimeoutError') fail('timeout', `no blob within ${timeoutMs} ms`);
      else fail('failed', `${e.name}: ${e.message}`);
      continue;
    }
    const status = response[0];
    if (status === BLOB_NOT_FOUND && response.length === 1) { fail('not-found', 'provider does not have it'); continue; }
    if (status !== BLOB_FOUND) { fail('malformed', `bad response (status ${String(status)}, ${response.length} bytes)`); continue; }
    const bytes = response.subarray(1);
    const got = sha256HexFast(bytes);
    if (got !== hash) { fail('hash-mismatch', `received ${bytes.length} bytes hashing to ${got.slice(0, 16)}`); continue; }
    return bytes;
  }
  throw new BlobFetchError(hash, failures);
}

/**
 * @file What the protocol needs from the network and from time, as interfaces. src/net
 * implements Transport over js-libp2p; tests use the in-memory transport (memory-transport.ts)
 * and a fake clock, so the protocol runs without sockets or sleeps.
 */
import type { Hash, PeerKey } from './types.ts';

/** Where a peer can be reached: its key and its multiaddrs (may be empty when already connected). */
export interface PeerAddress {
  readonly peer: PeerKey;
  readonly addrs: readonly string[];
}

/** Request/response protocols a peer serves. */
export type ServiceName = 'coordinator' | 'blob';

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Refuse a response larger than this many bytes (the transport stops reading). */
  readonly maxResponseBytes?: number;
}

/**
 * A handler answers one request. It must not throw for bad input: it answers with an encoded
 * rejection instead (a throw is caught by the transport and closes the stream).
 */
export type RequestHandler = (request: Uint8Array, from: PeerKey) => Promise<Uint8Array>;

export interface Transport {
  /** This peer's key. */
  readonly self: PeerKey;
  /** Multiaddrs this peer listens on (empty for an in-memory transport). */
  addresses(): string[];
  request(to: PeerAddress, service: ServiceName, body: Uint8Array, opts?: RequestOptions): Promise<Uint8Array>;
  handle(service: ServiceName, handler: RequestHandler, opts?: { readonly maxRequestBytes?: number }): void;
  /** Best-effort broadcast to the run's topic. */
  publish(topic: string, body: Uint8Array): Promise<void>;
  subscribe(topic: string, handler: (body: Uint8Array, from: PeerKey) => void): void;
  close(): Promise<void>;
}

/** Content-addressed blob storage (checkpoints, contribution payloads). */
export interface BlobStore {
  has(hash: Hash): boolean;
  get(hash: Hash): Uint8Array | undefined;
  /** Stores `bytes` and returns their SHA-256; a blob is never overwritten with other bytes. */
  put(bytes: Uint8Array): Hash;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

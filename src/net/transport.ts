/**
 * @file The protocol's `Transport` over js-libp2p. Each service is a stream protocol
 * (`/tessera/<service>/1.0.0`); one stream carries one request frame and one response frame
 * (frame.ts), so a slow or broken exchange never blocks another. Gossip goes over gossipsub.
 *
 * Failure rules (DESIGN.md: bad input never crashes a node):
 * - every request runs under a timeout and the caller's signal; on either the stream is reset;
 * - a request or response over its size limit is refused while reading, and its stream reset;
 * - a handler that throws, or a malformed frame, resets that stream only: the error is logged
 *   (DEBUG=tessera:net) and passed to `onStreamError`, and nothing reaches libp2p.
 */
import './shims.ts';
import { setMaxListeners } from 'node:events';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface';
import type { Message } from '@libp2p/gossipsub';
import type { PeerKey } from '../protocol/types.ts';
import type { PeerAddress, RequestHandler, RequestOptions, ServiceName, Transport } from '../protocol/transport.ts';
import { readFrame, writeFrame } from './frame.ts';
import { peerIdFromPeerKey, peerKeyFromPeerId } from './keys.ts';
import type { NetNode } from './node.ts';

/**
 * The libp2p protocol id of each Tessera service.
 *
 * @example
 * ```ts
 * libp2p.dialProtocol(peerId, SERVICE_PROTOCOLS.blob); // '/tessera/blob/1.0.0'
 * ```
 */
export const SERVICE_PROTOCOLS: Readonly<Record<ServiceName, string>> = {
  coordinator: '/tessera/coordinator/1.0.0',
  blob: '/tessera/blob/1.0.0',
};

/**
 * A request did not complete within its time limit; its stream was reset.
 *
 * @example
 * ```ts
 * await transport.request(to, 'coordinator', body, { timeoutMs: 5000 }).catch((err) => { if (err instanceof RequestTimeoutError) retryLater(); });
 * ```
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/**
 * A multiaddr names a different peer (/p2p/...) than the one the request is for.
 *
 * @example
 * ```ts
 * await transport.request({ peer: alice, addrs: ['/ip4/1.2.3.4/tcp/4001/p2p/<bob>'] }, 'blob', req); // rejects with PeerMismatchError
 * ```
 */
export class PeerMismatchError extends Error {
  override readonly name = 'PeerMismatchError';
}

/**
 * A gossip message larger than the node's limit; it was not published.
 *
 * @example
 * ```ts
 * await transport.publish(topic, new Uint8Array(10 << 20)); // rejects with GossipTooLargeError
 * ```
 */
export class GossipTooLargeError extends Error {
  override readonly name = 'GossipTooLargeError';
}

/**
 * The transport was closed.
 *
 * @example
 * ```ts
 * await transport.close(); await transport.request(to, 'blob', req); // rejects with TransportClosedError
 * ```
 */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
}

/**
 * Limits and hooks of a Libp2pTransport (all optional).
 *
 * @example
 * ```ts
 * new Libp2pTransport(node, { requestTimeoutMs: 10_000, onStreamError: (err, service) => log(service, err.name) });
 * ```
 */
export interface Libp2pTransportInit {
  /** Default time limit for one request (dial, send, wait, receive); default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Default largest response accepted; default 64 MiB (callers fetching checkpoints raise it). */
  readonly maxResponseBytes?: number;
  /** Default largest request accepted by a handler; default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Time limit for reading one inbound request and running its handler; default 30 s. */
  readonly serveTimeoutMs?: number;
  /** Longest a response write may wait for the requester to read more (a progress bound); default 30 s. */
  readonly stallTimeoutMs?: number;
  /** Concurrent inbound streams per connection and protocol; default 32 (libp2p's default). */
  readonly maxInboundStreams?: number;
  /** Called when serving a stream fails (bad frame, handler error, timeout); for metrics and tests. */
  readonly onStreamError?: (err: Error, service: ServiceName, from: PeerKey | undefined) => void;
}

/**
 * `RequestOptions` plus a per-call time limit, which replaces `requestTimeoutMs`.
 *
 * @example
 * ```ts
 * await transport.request(to, 'blob', req, { timeoutMs: 120_000, maxResponseBytes: 1 << 30, signal });
 * ```
 */
export interface Libp2pRequestOptions extends RequestOptions {
  readonly timeoutMs?: number;
}

/**
 * Transport over a NetNode. `close()` stops the node.
 *
 * @example
 * ```ts
 * const node = await createNetNode({ privateKey });
 * const transport = new Libp2pTransport(node);
 * transport.handle('coordinator', async (req, from) => answer(req, from), { maxRequestBytes: 64 * 1024 });
 * const res = await other.request({ peer: transport.self, addrs: transport.addresses() }, 'coordinator', body);
 * ```
 */
export class Libp2pTransport implements Transport {
  readonly self: PeerKey;
  readonly node: NetNode;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxRequestBytes: number;
  private readonly serveTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  private readonly maxInboundStreams: number;
  private readonly onStreamError: Libp2pTransportInit['onStreamError'];
  private readonly topics = new Map<string, Set<(body: Uint8Array, from: PeerKey) => void>>();
  private closed = false;

  constructor(node: NetNode, init: Libp2pTransportInit = {}) {
    this.node = node;
    this.self = node.peerKey;
    this.log = node.libp2p.logger.forComponent('tessera:net');
    this.requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
    this.maxResponseBytes = init.maxResponseBytes ?? 64 * 1024 * 1024;
    this.maxRequestBytes = init.maxRequestBytes ?? 1024 * 1024;
    this.serveTimeoutMs = init.serveTimeoutMs ?? 30_000;
    this.stallTimeoutMs = init.stallTimeoutMs ?? 30_000;
    this.maxInboundStreams = init.maxInboundStreams ?? 32;
    this.onStreamError = init.onStreamError;
    node.libp2p.services.pubsub.addEventListener('message', (evt) => this.onGossip(evt.detail));
  }

  addresses(): string[] {
    return this.node.multiaddrs();
  }

  async request(to: PeerAddress, service: ServiceName, body: Uint8Array, opts: Libp2pRequestOptions = {}): Promise<Uint8Array> {
    if (this.closed) throw new TransportClosedError('transport is closed');
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
    // libp2p hangs several listeners on the signal (dial queue, negotiation, stream).
    setMaxListeners(Infinity, signal);
    let stream: Stream | undefined;
    try {
      signal.throwIfAborted();
      stream = await this.node.libp2p.dialProtocol(this.dialTarget(to), SERVICE_PROTOCOLS[service], { signal });
      // Start reading before writing: the reader must be attached before our first await.
      const response = readFrame(stream, { maxBytes: opts.maxResponseBytes ?? this.maxResponseBytes, signal });
      response.catch(() => {}); // observed below; avoids an unhandled rejection if the write fails first
      await writeFrame(stream, body, { signal });
      return await response;
    } catch (err) {
      if (stream !== undefined && stream.status === 'open') stream.abort(err as Error);
      if (timeout.aborted && opts.signal?.aborted !== true) {
        throw new RequestTimeoutError(`${service} request to ${to.peer.slice(0, 16)} timed out after ${timeoutMs} ms`, { cause: err });
      }
      if (opts.signal?.aborted === true) throw opts.signal.reason;
      throw err;
    }
  }

  handle(service: ServiceName, handler: RequestHandler, opts: { readonly maxRequestBytes?: number } = {}): void {
    const maxBytes = opts.maxRequestBytes ?? this.maxRequestBytes;
    const protocol = SERVICE_PROTOCOLS[service];
    // Registration itself is synchronous inside libp2p (the promise only updates the peer
    // store's record of our protocols), so a request right after handle() is served.
    this.node.libp2p.handle(protocol, (stream, connection) => this.serve(service, handler, maxBytes, stream, connection), {
      force: true,
      maxInboundStreams: this.maxInboundStreams,
    }).catch((err: unknown) => this.log.error('could not register %s - %e', protocol, err));
  }

  async publish(topic: string, body: Uint8Array): Promise<void> {
    if (this.closed) throw new TransportClosedError('transport is closed');
    if (body.length > this.node.maxGossipBytes) {
      throw new GossipTooLargeError(`gossip message of ${body.length} bytes exceeds ${this.node.maxGossipBytes}`);
    }
    await this.node.libp2p.services.pubsub.publish(topic, body);
  }

  subscribe(topic: string, handler: (body: Uint8Array, from: PeerKey) => void): void {
    let handlers = this.topics.get(topic);
    if (handlers === undefined) {
      handlers = new Set();
      this.topics.set(topic, handlers);
      this.node.libp2p.services.pubsub.subscribe(topic);
    }
    handlers.add(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.topics.clear();
    await this.node.stop();
  }

  /**
   * Dial by peer id when a connection is open (reuses it) or no address is given (libp2p
   * looks in its peer store); otherwise dial the given multiaddrs, each pinned to the expected
   * peer with /p2p/ so noise refuses a different key at that address.
   */
  private dialTarget(to: PeerAddress): PeerId | Multiaddr[] {
    const peerId = peerIdFromPeerKey(to.peer);
    const connected = this.node.libp2p.getConnections(peerId).some((c) => c.status === 'open');
    if (connected || to.addrs.length === 0) return peerId;
    return to.addrs.map((addr) => {
      const ma = multiaddr(addr);
      const named = ma.getComponents().filter((c) => c.name === 'p2p').map((c) => c.value);
      if (named.length === 0) return ma.encapsulate(`/p2p/${peerId.toString()}`);
      if (named.at(-1) !== peerId.toString()) throw new PeerMismatchError(`${addr} is not an address of peer ${to.peer}`);
      return ma;
    });
  }

  /** Serves one inbound stream. Never throws: libp2p must not see handler errors. */
  private async serve(service: ServiceName, handler: RequestHandler, maxBytes: number, stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.serveTimeoutMs);
    setMaxListeners(Infinity, signal);
    let from: PeerKey | undefined;
    try {
      // readFrame is called before any await so no request byte sits unread in libp2p's buffer.
      const reading = readFrame(stream, { maxBytes, signal });
      reading.catch(() => {}); // observed below; the stream is aborted if the next line throws
      from = peerKeyFromPeerId(connection.remotePeer);
      const request = await reading;
      const response = await raceSignal(handler(request, from), signal);
      // No total deadline on the write: a large blob to a slow peer may take long; the requester
      // bounds its own wait, and the stall bound frees the stream if it stops reading.
      await writeFrame(stream, response, { stallTimeoutMs: this.stallTimeoutMs });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.log.error('%s stream from %s failed - %e', service, from ?? connection.remotePeer.toString(), error);
      if (stream.status === 'open') stream.abort(error);
      try {
        this.onStreamError?.(error, service, from);
      } catch (hookErr) {
        this.log.error('onStreamError threw - %e', hookErr);
      }
    }
  }

  private onGossip(msg: Message): void {
    const handlers = this.topics.get(msg.topic);
    // Unsigned messages carry no sender; StrictSign already drops them, this is belt and braces.
    if (handlers === undefined || msg.type !== 'signed' || msg.data.length > this.node.maxGossipBytes) return;
    let from: PeerKey;
    try {
      from = peerKeyFromPeerId(msg.from);
    } catch (err) {
      this.log.error('gossip from a non-ed25519 peer dropped - %e', err);
      return;
    }
    for (const handler of handlers) {
      try {
        handler(msg.data, from);
      } catch (err) {
        this.log.error('gossip handler for %s threw - %e', msg.topic, err);
      }
    }
  }
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason when it aborts first. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err as Error); },
    );
  });
}

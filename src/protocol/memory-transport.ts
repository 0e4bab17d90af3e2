/**
 * @file An in-memory `Transport` and a fake `Clock`, so the protocol (and the nodes built on
 * it) run in tests without sockets, timers or sleeps (DESIGN.md, hivemind's lesson).
 *
 * `MemoryNetwork` is a hub of peers, each a `MemoryTransport` got from `connect(peerKey)`.
 * It behaves like Libp2pTransport where the protocol can tell: requests carry bytes only (a
 * fresh copy each way, so nothing is shared between peers but encoded messages), the handler
 * learns the requester's key as the transport authenticated it, a request over the handler's
 * `maxRequestBytes` or a response over the requester's `maxResponseBytes` is refused before
 * the other side sees it, a handler that throws fails that request only, the caller's signal
 * aborts a request, and gossip reaches every other subscriber of a topic, never the sender
 * (libp2p runs gossipsub with emitSelf: false). Requests are routed by peer key; `addrs` are
 * ignored. Each directed link can be given a latency (on the network's clock) and a failure.
 *
 * `FakeClock` moves only when a test calls `advance(ms)`; a `sleep` resolves once the clock has
 * been advanced to its wake time. Nothing here starts a real timer.
 */
import { isHex64 } from './hash.ts';
import type { Clock, PeerAddress, RequestHandler, RequestOptions, ServiceName, Transport } from './transport.ts';
import type { PeerKey } from './types.ts';
import { LIMITS } from './wire.ts';

/**
 * Why an in-memory request or publish failed (the `code` of a MemoryTransportError).
 * @example if (err instanceof MemoryTransportError && err.code === 'unreachable') retryLater();
 */
export type MemoryTransportErrorCode =
  | 'closed' // this transport was closed
  | 'unreachable' // no open transport has the target key
  | 'no-handler' // the target serves no handler for the service
  | 'request-too-large' // over the target handler's maxRequestBytes (the handler never sees it)
  | 'response-too-large' // over the requester's maxResponseBytes
  | 'handler-failed' // the target's handler threw (a real transport resets the stream)
  | 'gossip-too-large'; // over the network's maxGossipBytes (not published)

/**
 * A request or publish refused by the in-memory network (injected link failures are thrown as given).
 * @example await t.request({ peer: nobody, addrs: [] }, 'blob', body).catch((e: MemoryTransportError) => e.code); // 'unreachable'
 */
export class MemoryTransportError extends Error {
  override readonly name = 'MemoryTransportError';
  readonly code: MemoryTransportErrorCode;

  constructor(code: MemoryTransportErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

/**
 * Limits of a MemoryNetwork (defaults as Libp2pTransport's, gossip at the protocol's announcement limit).
 * @example const net = new MemoryNetwork({ clock, maxResponseBytes: 1 << 20 });
 */
export interface MemoryNetworkInit {
  /** The clock link latencies run on (required before any latency is set). */
  readonly clock?: Clock;
  /** Default largest request a handler accepts; default 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Default largest response a requester accepts; default 64 MiB. */
  readonly maxResponseBytes?: number;
  /** Largest gossip message; default LIMITS.announcement. */
  readonly maxGossipBytes?: number;
}

/**
 * Conditions of one directed link (requests and gossip from `from` to `to`).
 * @example net.setLink(alice.peer, coord.peer, { latencyMs: 50 });
 */
export interface LinkConditions {
  /** Delay, on the network's clock, before a request reaches the handler or gossip a subscriber. */
  readonly latencyMs?: number;
  /** Every request over the link rejects with this error (after the latency); gossip over it is dropped. */
  readonly fail?: Error;
}

/** What a MemoryTransport asks of its network (the transport's own key is bound in). */
interface Port {
  request(to: PeerKey, service: ServiceName, body: Uint8Array, opts: RequestOptions): Promise<Uint8Array>;
  publish(topic: string, body: Uint8Array): Promise<void>;
  handle(service: ServiceName, handler: RequestHandler, maxRequestBytes: number | undefined): void;
  subscribe(topic: string, handler: (body: Uint8Array, from: PeerKey) => void): void;
}

interface Endpoint {
  readonly transport: MemoryTransport;
  readonly handlers: Map<ServiceName, { readonly handler: RequestHandler; readonly maxRequestBytes: number }>;
  readonly topics: Map<string, Set<(body: Uint8Array, from: PeerKey) => void>>;
}

/**
 * The hub: every transport connected to it can reach every other by peer key.
 * @example
 * const net = new MemoryNetwork({ clock: new FakeClock() });
 * const coord = net.connect(coordinator.peer), alice = net.connect(aliceKey);
 * coord.handle('coordinator', async (req, from) => encodeResponse(rc.handle(decodeRequest(req), from, clock.now())));
 * const res = decodeResponse(await alice.request({ peer: coordinator.peer, addrs: [] }, 'coordinator', encodeRequest({ type: 'hello' })));
 */
export class MemoryNetwork {
  readonly #clock: Clock | undefined;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly maxGossipBytes: number;
  readonly #endpoints = new Map<PeerKey, Endpoint>();
  readonly #links = new Map<string, LinkConditions>();

  constructor(init: MemoryNetworkInit = {}) {
    this.#clock = init.clock;
    this.maxRequestBytes = init.maxRequestBytes ?? 1024 * 1024;
    this.maxResponseBytes = init.maxResponseBytes ?? 64 * 1024 * 1024;
    this.maxGossipBytes = init.maxGossipBytes ?? LIMITS.announcement;
  }

  /**
   * A transport for `peer` (a key already connected may connect again only after closing: a restart).
   * @example const t = net.connect(identity.peer, { addrs: ['/memory/alice'] });
   */
  connect(peer: PeerKey, opts: { readonly addrs?: readonly string[] } = {}): MemoryTransport {
    if (!isHex64(peer)) throw new RangeError('a peer key is 64 lowercase hex characters');
    if (this.#endpoints.get(peer)?.transport.closed === false) throw new Error(`peer ${peer.slice(0, 12)} is already connected`);
    const handlers: Endpoint['handlers'] = new Map();
    const topics: Endpoint['topics'] = new Map();
    const transport = new MemoryTransport(peer, opts.addrs ?? [], {
      request: (to, service, body, o) => this.#request(peer, to, service, body, o),
      publish: (topic, body) => this.#publish(peer, topic, body),
      handle: (service, handler, maxRequestBytes) => { handlers.set(service, { handler, maxRequestBytes: maxRequestBytes ?? this.maxRequestBytes }); },
      subscribe: (topic, handler) => { topics.set(topic, (topics.get(topic) ?? new Set()).add(handler)); },
    });
    this.#endpoints.set(peer, { transport, handlers, topics });
    return transport;
  }

  /**
   * Sets (or with `{}` clears) the conditions of the directed link `from` -> `to`.
   * @example net.setLink(carol.peer, coord.peer, { fail: new Error('cable cut') });
   */
  setLink(from: PeerKey, to: PeerKey, conditions: LinkConditions): void {
    if ((conditions.latencyMs ?? 0) > 0 && this.#clock === undefined) throw new RangeError('link latency needs a network clock');
    this.#links.set(`${from}>${to}`, conditions);
  }

  #endpoint(peer: PeerKey): Endpoint | undefined {
    const e = this.#endpoints.get(peer);
    return e === undefined || e.transport.closed ? undefined : e;
  }

  /** One request, from `from`'s transport. */
  async #request(from: PeerKey, to: PeerKey, service: ServiceName, body: Uint8Array, opts: RequestOptions): Promise<Uint8Array> {
    const signal = opts.signal;
    signal?.throwIfAborted();
    const sent = Uint8Array.from(body);
    const link = this.#links.get(`${from}>${to}`) ?? {};
    await this.#delay(link.latencyMs ?? 0, signal);
    if (link.fail !== undefined) throw link.fail;
    if (this.#endpoint(from) === undefined) throw new MemoryTransportError('closed', 'transport is closed');
    const target = this.#endpoint(to);
    if (target === undefined) throw new MemoryTransportError('unreachable', `no peer ${to.slice(0, 12)} on the network`);
    const served = target.handlers.get(service);
    if (served === undefined) throw new MemoryTransportError('no-handler', `peer ${to.slice(0, 12)} does not serve '${service}'`);
    if (sent.length > served.maxRequestBytes) throw new MemoryTransportError('request-too-large', `${sent.length} bytes, limit ${served.maxRequestBytes}`);
    let response: Uint8Array;
    try {
      response = await raceSignal(Promise.resolve().then(() => served.handler(sent, from)), signal);
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      throw new MemoryTransportError('handler-failed', `'${service}' handler of ${to.slice(0, 12)} threw`, { cause: err });
    }
    if (!(response instanceof Uint8Array)) throw new MemoryTransportError('handler-failed', `'${service}' handler returned no bytes`);
    const limit = opts.maxResponseBytes ?? this.maxResponseBytes;
    if (response.length > limit) throw new MemoryTransportError('response-too-large', `${response.length} bytes, limit ${limit}`);
    return Uint8Array.from(response);
  }

  /**
   * Gossip from `from`: delivered before this resolves on links without latency, later
   * (on the clock) on links with it, never to `from`; a throwing subscriber is ignored.
   */
  async #publish(from: PeerKey, topic: string, body: Uint8Array): Promise<void> {
    if (this.#endpoint(from) === undefined) throw new MemoryTransportError('closed', 'transport is closed');
    if (body.length > this.maxGossipBytes) throw new MemoryTransportError('gossip-too-large', `${body.length} bytes, limit ${this.maxGossipBytes}`);
    const sent = Uint8Array.from(body);
    await Promise.resolve();
    for (const [peer, target] of this.#endpoints) {
      if (peer === from || target.transport.closed || !target.topics.has(topic)) continue;
      const link = this.#links.get(`${from}>${peer}`) ?? {};
      if (link.fail !== undefined) continue;
      const deliver = (): void => {
        for (const handler of this.#endpoint(peer)?.topics.get(topic) ?? []) {
          try { handler(Uint8Array.from(sent), from); } catch { /* a subscriber's error stays with it */ }
        }
      };
      if ((link.latencyMs ?? 0) > 0) void this.#delay(link.latencyMs ?? 0).then(deliver);
      else deliver();
    }
  }

  #delay(ms: number, signal?: AbortSignal): Promise<void> {
    return ms > 0 && this.#clock !== undefined ? this.#clock.sleep(ms, signal) : Promise.resolve();
  }
}

/**
 * One peer's Transport on a MemoryNetwork (made by `network.connect`).
 * @example
 * const t = net.connect(me.peer);
 * t.subscribe(`tessera/${run}`, (body, from) => onAnnouncement(decodeAnnouncement(body), from));
 */
export class MemoryTransport implements Transport {
  readonly self: PeerKey;
  readonly #addrs: readonly string[];
  readonly #port: Port;
  #closed = false;

  /** Made by MemoryNetwork.connect; `port` is the hub's side of the connection. */
  constructor(self: PeerKey, addrs: readonly string[], port: Port) {
    this.self = self;
    this.#addrs = [...addrs];
    this.#port = port;
  }

  get closed(): boolean { return this.#closed; }

  addresses(): string[] { return [...this.#addrs]; }

  request(to: PeerAddress, service: ServiceName, body: Uint8Array, opts: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new MemoryTransportError('closed', 'transport is closed'));
    return this.#port.request(to.peer, service, body, opts);
  }

  handle(service: ServiceName, handler: RequestHandler, opts: { readonly maxRequestBytes?: number } = {}): void {
    if (!this.#closed) this.#port.handle(service, handler, opts.maxRequestBytes);
  }

  publish(topic: string, body: Uint8Array): Promise<void> {
    return this.#port.publish(topic, body);
  }

  subscribe(topic: string, handler: (body: Uint8Array, from: PeerKey) => void): void {
    if (!this.#closed) this.#port.subscribe(topic, handler);
  }

  /** Stops serving and receiving; the network then reports this peer unreachable. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}

/**
 * A Clock that moves only when told to. Sleepers wake in order of wake time (ties in order of
 * sleeping); their continuations run after `advance` returns and all see the new `now()`.
 * @example
 * const clock = new FakeClock();
 * const woke = clock.sleep(1000);
 * clock.advance(1000); // `woke` resolves
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Array<{ readonly wake: number; readonly seq: number; readonly wakeUp: () => void }> = [];

  /** `start`: the initial Unix ms (default 1.7e12, so times look like real ones). */
  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number { return this.#now; }

  /** Sleepers not yet woken (nor aborted). */
  get pending(): number { return this.#sleepers.length; }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal!.reason);
      };
      const sleeper = { wake: this.#now + ms, seq: this.#seq++, wakeUp: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /**
   * Moves the clock forward by `ms` and wakes every sleeper due by then.
   * @example clock.advance(config.trainSeconds * 1000);
   */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`advance needs a finite, non-negative duration, got ${ms}`);
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.wake <= this.#now).sort((a, b) => a.wake - b.wake || a.seq - b.seq);
    this.#sleepers = this.#sleepers.filter((s) => s.wake > this.#now);
    for (const s of due) s.wakeUp();
  }
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason when it aborts first. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}

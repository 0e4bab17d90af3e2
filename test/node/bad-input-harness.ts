/**
 * @file In-process harness for the bad-input tests: a real CoordinatorNode and real TrainerNodes,
 * each on its own libp2p node on loopback, plus scripted peers that send hand-made requests
 * through their own Libp2pTransport and key. Every wait is on an event (or a response) with a
 * time limit; nothing sleeps to synchronise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createNetNode, DirBlobStore, Libp2pTransport, MemoryBlobStore, serveBlobs, sha256HexFast, signingSeed } from '../../src/net/index.ts';
import {
  dataAssignment, decodeResponse, encodeRequest, identityFromSeed, LIMITS, signCommitment, validateRunConfig,
  type BlobStore, type Commitment, type CoordinatorRequest, type CoordinatorResponse, type Hash, type Identity, type PeerAddress,
  type RunConfig, type RunStatus, type SignedCommitment,
} from '../../src/protocol/index.ts';
import {
  CoordinatorNode, createRun, presetRunConfig, TrainerNode, type CoordinatorEvent, type RunContext, type TrainerEvent,
} from '../../src/node/index.ts';

export const CORPUS = fileURLToPath(new URL('../../data/tinyshakespeare.txt', import.meta.url));

/** Things to undo after a test, run in reverse order by `stopAll`. */
export type Cleanup = Array<() => Promise<void> | void>;

export async function stopAll(cleanup: Cleanup): Promise<void> {
  for (const stop of cleanup.splice(0).reverse()) {
    try { await stop(); } catch { /* keep stopping the rest */ }
  }
}

export function tempDir(cleanup: Cleanup, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tessera-bad-input-${name}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A small run: presetRunConfig's DiLoCo defaults with a 2-layer, width-32 model, H = 2, batch 2,
 * int8 payloads. Rounds close as soon as every member has committed, so trainSeconds is only a
 * safety bound and can be generous without slowing the tests; eviction is set well above any
 * test's length so that a scripted peer that does not heartbeat stays a member.
 */
export function smallConfig(over: Partial<RunConfig> = {}): RunConfig {
  const base = presetRunConfig({ preset: 'tiny', corpus: CORPUS, rounds: 4, H: 2, batchSize: 2, trainSeconds: 10, codec: { name: 'int8' } });
  const config: RunConfig = {
    ...base, name: 'bad-input', model: { vocabSize: 256, contextLength: 32, numLayers: 2, numHeads: 2, embedDim: 32 },
    warmupSteps: 2, evictAfterSeconds: 30, ...over,
  };
  validateRunConfig(config);
  return config;
}

/** Events kept in order; `wait` resolves with the first one (at or after `from`) that matches. */
export class EventLog<E> {
  readonly all: E[] = [];
  #waiters: Array<{ match: (e: E) => boolean; resolve: (e: E) => void }> = [];

  push = (e: E): void => {
    this.all.push(e);
    this.#waiters = this.#waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
  };

  wait(what: string, match: (e: E) => boolean, timeoutMs = 15_000, from = 0): Promise<E> {
    const seen = this.all.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<E>((resolve, reject) => {
      const waiter = { match, resolve: (e: E): void => { clearTimeout(timer); resolve(e); } };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(this.all.map(brief))}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}

function brief(e: unknown): unknown {
  if (typeof e !== 'object' || e === null) return e;
  const { kind, round, reason, how, accepted, message } = e as Record<string, unknown>;
  return { kind, round, reason, how, accepted, message: typeof message === 'string' ? message.slice(0, 80) : undefined };
}

/** A libp2p node and transport with its own ed25519 key, and the protocol identity of that key. */
async function peerTransport(cleanup: Cleanup, onStreamError?: (err: Error, from: string | undefined) => void): Promise<{ transport: Libp2pTransport; identity: Identity }> {
  const key = await generateKeyPair('Ed25519');
  const transport = new Libp2pTransport(await createNetNode({ privateKey: key }), {
    requestTimeoutMs: 10_000, ...(onStreamError === undefined ? {} : { onStreamError: (err, _service, from) => onStreamError(err, from) }),
  });
  cleanup.push(() => transport.close());
  const identity = identityFromSeed(signingSeed(key));
  if (identity.peer !== transport.self) throw new Error('identity and libp2p key differ');
  return { transport, identity };
}

export interface CoordinatorHarness {
  readonly node: CoordinatorNode;
  readonly ctx: RunContext;
  readonly transport: Libp2pTransport;
  readonly store: DirBlobStore;
  readonly dir: string;
  readonly address: PeerAddress;
  readonly events: EventLog<CoordinatorEvent>;
  /** Errors of inbound streams the transport reset (oversized frames, failed handlers). */
  readonly streamErrors: EventLog<{ readonly error: Error; readonly from: string | undefined }>;
  /** Rejects if the coordinator's run loop throws. */
  readonly running: Promise<void>;
}

/** A new run in a temporary folder, served by a CoordinatorNode whose run loop is started. */
export async function startCoordinator(cleanup: Cleanup, config: RunConfig): Promise<CoordinatorHarness> {
  const dir = tempDir(cleanup, 'coordinator');
  const streamErrors = new EventLog<{ readonly error: Error; readonly from: string | undefined }>();
  const { transport, identity } = await peerTransport(cleanup, (error, from) => streamErrors.push({ error, from }));
  const store = new DirBlobStore(join(dir, 'blobs'));
  const { manifest } = createRun(config, store);
  const events = new EventLog<CoordinatorEvent>();
  const node = new CoordinatorNode({
    transport, store, identity, dir, manifest, corpusPath: CORPUS, onEvent: events.push, tickMs: 10, graceSeconds: 1, evalBatches: 1,
  });
  const stop = new AbortController();
  const running = node.run(stop.signal);
  running.catch(() => undefined); // observed by the tests that care; never unhandled
  cleanup.push(async () => {
    stop.abort(new Error('test over'));
    await running.catch(() => undefined);
  });
  return { node, ctx: node.ctx, transport, store, dir, address: { peer: transport.self, addrs: transport.addresses() }, events, streamErrors, running };
}

export interface TrainerHarness {
  readonly peer: string;
  readonly store: BlobStore;
  readonly events: EventLog<TrainerEvent>;
  readonly running: Promise<unknown>;
}

/** A real TrainerNode (real GPT training) joined to `coordinator`. */
export async function startTrainer(cleanup: Cleanup, coordinator: PeerAddress): Promise<TrainerHarness> {
  const dir = tempDir(cleanup, 'trainer');
  const { transport, identity } = await peerTransport(cleanup);
  const store = new DirBlobStore(join(dir, 'blobs'));
  const events = new EventLog<TrainerEvent>();
  const stop = new AbortController();
  const running = new TrainerNode({ transport, store, identity, coordinator, corpusPath: CORPUS, dir, onEvent: events.push, pollMs: 20 }).run(stop.signal);
  running.catch(() => undefined);
  cleanup.push(async () => {
    stop.abort(new Error('test over'));
    await running.catch(() => undefined);
  });
  return { peer: identity.peer, store, events, running };
}

/**
 * A blob store that lies: for the hashes in `lies` it serves other bytes under the asked hash
 * (what a broken or hostile peer does); `asked` counts the requests for each hash.
 */
export class LyingStore implements BlobStore {
  readonly inner = new MemoryBlobStore();
  readonly lies = new Map<Hash, Uint8Array>();
  readonly asked = new Map<Hash, number>();

  has(hash: Hash): boolean { return this.lies.has(hash) || this.inner.has(hash); }
  get(hash: Hash): Uint8Array | undefined {
    this.asked.set(hash, (this.asked.get(hash) ?? 0) + 1);
    return this.lies.get(hash) ?? this.inner.get(hash);
  }
  put(bytes: Uint8Array): Hash { return this.inner.put(bytes); }
}

/**
 * A peer driven by the test: its own key and libp2p node, serving blobs from a LyingStore, and
 * sending requests to the coordinator that the test writes by hand.
 */
export class ScriptedPeer {
  readonly store = new LyingStore();
  readonly transport: Libp2pTransport;
  readonly identity: Identity;
  readonly coordinator: PeerAddress;

  private constructor(transport: Libp2pTransport, identity: Identity, coordinator: PeerAddress) {
    this.transport = transport;
    this.identity = identity;
    this.coordinator = coordinator;
    serveBlobs(transport, this.store);
  }

  static async start(cleanup: Cleanup, coordinator: PeerAddress): Promise<ScriptedPeer> {
    const { transport, identity } = await peerTransport(cleanup);
    return new ScriptedPeer(transport, identity, coordinator);
  }

  get peer(): string { return this.identity.peer; }

  /** Send raw bytes to the coordinator service; the raw response. */
  raw(body: Uint8Array, maxResponseBytes: number = LIMITS.response): Promise<Uint8Array> {
    return this.transport.request(this.coordinator, 'coordinator', body, { maxResponseBytes, timeoutMs: 10_000 });
  }

  /** Send raw bytes and decode the answer strictly. */
  async rawRequest(body: Uint8Array): Promise<CoordinatorResponse> {
    return decodeResponse(await this.raw(body));
  }

  async send(req: CoordinatorRequest): Promise<CoordinatorResponse> {
    return this.rawRequest(encodeRequest(req));
  }

  /** A request that must be answered with a status. */
  async status(req: CoordinatorRequest): Promise<RunStatus> {
    const res = await this.send(req);
    if (res.type !== 'status') throw new Error(`${req.type} refused: ${res.reason}: ${res.message}`);
    return res;
  }

  join(run: Hash): Promise<RunStatus> {
    return this.status({ type: 'join', run, peer: this.peer, addrs: this.transport.addresses() });
  }

  heartbeat(run: Hash, model: Hash | ''): Promise<RunStatus> {
    return this.status({ type: 'heartbeat', run, peer: this.peer, round: 0, model });
  }

  commit(run: Hash, signed: SignedCommitment): Promise<CoordinatorResponse> {
    return this.send({ type: 'commit', run, signed, addrs: this.transport.addresses() });
  }

  /**
   * The commitment an honest trainer would make for `payload` in the open round of `status`
   * (the payload is stored, so it is served); `over` changes fields before signing.
   */
  commitment(ctx: RunContext, status: RunStatus, payload: Uint8Array, over: Partial<Commitment> = {}): Commitment {
    const payloadHash = this.store.put(payload);
    return {
      run: ctx.run, round: status.round, peer: this.peer, baseModel: status.model,
      assignment: dataAssignment(ctx.run, status.round, this.peer, ctx.config.H), payloadHash, payloadBytes: payload.length,
      stepsRoot: sha256HexFast(Uint8Array.of(1, 2, 3)), loss: 5.5, ...over,
    };
  }

  sign(c: Commitment): SignedCommitment {
    return signCommitment(this.identity, c);
  }
}

/** A valid int8 payload of a small, deterministic pseudo-gradient (values about 1e-3). */
export function smallDelta(ctx: RunContext, seed = 1): Float32Array {
  const delta = new Float32Array(ctx.size);
  for (let i = 0; i < delta.length; i++) delta[i] = Math.fround(1e-3 * Math.sin(seed * 12.9898 + i * 0.37));
  return delta;
}

/**
 * @file A trainer: joins a run through its coordinator, keeps the run's model in sync (by
 * applying each closed round's accepted contributions itself, or by fetching the checkpoint
 * from any peer that has it when it is behind or its hash differs), trains its H inner steps
 * on its assigned data each round, and publishes its pseudo-gradient as a signed,
 * content-addressed contribution.
 */
import { sampleBatch } from '../data/index.ts';
import { adamwDefaults, applyGradients, createTrainState, forwardBackward, pseudoGradient, type TrainState } from '../optim/index.ts';
import { createErrorFeedback, type ErrorFeedback } from '../compress/index.ts';
import type { Backend } from '../tensor/index.ts';
import { fetchBlob, serveBlobs } from '../net/index.ts';
import {
  applyRound, dataAssignment, decodeAnnouncement, decodeContribution, decodeModelState, encodeModelState, merkleRoot, signCommitment,
  type Clock, type Commitment, type Hash, type Identity, type ModelState, type PeerAddress, type SignedCommitment, type RunStatus, type Transport, type BlobStore,
} from '../protocol/index.ts';
import { systemClock } from './clock.ts';
import { Meter, meteredStore, type RoundMetrics } from './metrics.ts';
import { CoordinatorClient, CoordinatorRefusedError } from './client.ts';
import { loadRunData, runContext, sha256, sha256Digest, type RunContext } from './run.ts';

export type TrainerEvent =
  | { readonly kind: 'joined'; readonly run: Hash; readonly round: number; readonly phase: string }
  | { readonly kind: 'synced'; readonly round: number; readonly model: Hash; readonly how: 'applied' | 'fetched' }
  | { readonly kind: 'committed'; readonly round: number; readonly loss: number; readonly payloadBytes: number }
  | { readonly kind: 'skipped'; readonly round: number; readonly why: string }
  | { readonly kind: 'round'; readonly metrics: RoundMetrics }
  | { readonly kind: 'warning'; readonly message: string };

export interface TrainerInit {
  readonly transport: Transport;
  readonly store: BlobStore;
  readonly identity: Identity;
  readonly coordinator: PeerAddress;
  readonly corpusPath: string;
  /** The node's folder (token shards). */
  readonly dir: string;
  readonly clock?: Clock;
  readonly backend?: Backend;
  readonly onEvent?: (e: TrainerEvent) => void;
  /** Milliseconds between two polls of the coordinator while idle. */
  readonly pollMs?: number;
  /** Give up after the coordinator has been unreachable this long (default 120 s; it may be restarting). */
  readonly coordinatorTimeoutSeconds?: number;
  /** Extra milliseconds per inner step: simulates a slow peer (tests of late contributions). */
  readonly stepDelayMs?: number;
}

/** The coordinator could not be reached for longer than the trainer waits. */
export class CoordinatorUnreachableError extends Error {
  override readonly name = 'CoordinatorUnreachableError';
}

export interface TrainerSummary {
  readonly run: Hash;
  readonly peer: string;
  readonly model: Hash;
  readonly round: number;
  readonly rounds: readonly RoundMetrics[];
  readonly totals: ReturnType<Meter['totals']>;
}

interface Held {
  readonly state: ModelState;
  readonly hash: Hash;
}

export class TrainerNode {
  readonly #init: TrainerInit;
  readonly #clock: Clock;
  readonly #client: CoordinatorClient;
  #meter: Meter;
  #ctx!: RunContext;
  #train!: Int32Array;
  #worker!: TrainState;
  #feedback: ErrorFeedback | undefined;
  #held: Held | undefined;
  #committed = 0;
  #lastCommit: SignedCommitment | undefined;
  #rejoinsSeen = 0;
  #resend = false;
  #nudge: (() => void) | undefined;
  #lastLoss: number | undefined;

  constructor(init: TrainerInit) {
    this.#init = init;
    this.#clock = init.clock ?? systemClock;
    this.#meter = new Meter(this.#clock.now());
    this.#client = new CoordinatorClient(init.transport, init.coordinator, this.#meter);
  }

  /** Train until the run is done or `signal` aborts; returns what this peer holds and measured. */
  async run(signal: AbortSignal): Promise<TrainerSummary> {
    const { identity, transport } = this.#init;
    serveBlobs(transport, meteredStore(this.#init.store, this.#meter));
    const hello = await this.#client.hello(signal);
    const manifest = await this.#fetch(hello.run, [this.#init.coordinator], signal, 1 << 20);
    this.#ctx = runContext(manifest);
    if (this.#ctx.run !== hello.run) throw new Error('coordinator served a manifest that is not its run');
    this.#train = loadRunData(this.#ctx.config, this.#init.corpusPath, this.#init.dir).train;
    this.#worker = createTrainState({
      model: this.#ctx.config.model, seed: this.#ctx.config.seed, batchSize: this.#ctx.config.batchSize, gradClip: 1,
      adamw: adamwDefaults(), // fixed by protocol version 1 (docs/protocol.md)
      schedule: { maxLr: this.#ctx.config.innerLr, minLr: this.#ctx.config.innerLr / 10, warmupSteps: this.#ctx.config.warmupSteps, totalSteps: this.#ctx.config.rounds * this.#ctx.config.H },
    }, this.#init.backend);
    this.#feedback = this.#ctx.config.errorFeedback ? createErrorFeedback(this.#ctx.codec, this.#ctx.size) : undefined;
    // Gossip is the fast path: a round-closed announcement (checked like everything else)
    // ends the idle wait at once; polling the coordinator remains the reliable path.
    transport.subscribe(`tessera/${this.#ctx.run}`, (body) => {
      try {
        const a = decodeAnnouncement(body);
        if (a.type === 'round-closed' && a.last.record.run === this.#ctx.run) this.#nudge?.();
      } catch {
        // A malformed announcement is ignored: it can only cost a poll interval.
      }
    });
    let status = await this.#client.join(this.#ctx.run, identity.peer, transport.addresses(), signal);
    this.#emit({ kind: 'joined', run: this.#ctx.run, round: status.round, phase: status.phase });
    const beats = new AbortController();
    const stopBeats = (): void => beats.abort(new Error('trainer stopped'));
    signal.addEventListener('abort', stopBeats, { once: true });
    const heartbeat = this.#heartbeatLoop(beats.signal);
    // Handled now, awaited in `finally`: an abort while the main loop awaits a request rejects
    // this first, and an unhandled rejection would crash the process.
    heartbeat.catch(() => undefined);
    try {
      let unreachableSince: number | undefined;
      while (!signal.aborted) {
        try {
          status = await this.#client.heartbeat(this.#ctx.run, identity.peer, this.#held?.hash ?? '', signal);
          unreachableSince = undefined;
        } catch (err) {
          if (signal.aborted || err instanceof CoordinatorRefusedError) throw err;
          unreachableSince ??= this.#clock.now();
          if (this.#clock.now() - unreachableSince > (this.#init.coordinatorTimeoutSeconds ?? 120) * 1000) {
            throw new CoordinatorUnreachableError(`coordinator unreachable for ${this.#init.coordinatorTimeoutSeconds ?? 120} s: ${(err as Error).message}`);
          }
          this.#emit({ kind: 'warning', message: `coordinator unreachable (${(err as Error).message}); retrying` });
          await this.#clock.sleep(1000, signal);
          continue;
        }
        if (this.#client.rejoins !== this.#rejoinsSeen) {
          // The coordinator forgot us (it restarted, or evicted us): it may have lost our
          // commitment for the open round too; send it again once that round is open.
          this.#rejoinsSeen = this.#client.rejoins;
          this.#resend = this.#lastCommit !== undefined;
        }
        if (this.#resend && this.#lastCommit !== undefined) {
          const c = this.#lastCommit.commitment;
          if (status.round > c.round || status.model !== c.baseModel) this.#resend = false;
          else if (status.phase === 'train' && status.round === c.round) {
            this.#resend = false;
            await this.#client.commit(this.#ctx.run, this.#lastCommit, transport.addresses(), signal);
          }
        }
        await this.#sync(status, signal);
        if (status.phase === 'done' && this.#held?.hash === status.model) break;
        if (status.phase === 'train' && status.members.includes(identity.peer) && this.#committed < status.round && this.#held?.hash === status.model) {
          await this.#trainRound(status, signal);
          continue;
        }
        await this.#idle(signal);
      }
    } finally {
      stopBeats();
      signal.removeEventListener('abort', stopBeats);
      await heartbeat.catch(() => undefined);
    }
    return {
      run: this.#ctx.run, peer: identity.peer, model: this.#held?.hash ?? '', round: this.#held?.state.round ?? 0,
      rounds: this.#meter.rounds, totals: this.#meter.totals(),
    };
  }

  /** Wait one poll interval, or less when an announcement says a round closed. */
  async #idle(signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    this.#nudge = () => wake.abort();
    const both = AbortSignal.any([signal, wake.signal]);
    await this.#clock.sleep(this.#init.pollMs ?? 500, both).catch((err: unknown) => {
      if (signal.aborted) throw err;
    });
    this.#nudge = undefined;
  }

  /** Heartbeats while training blocks the main loop between steps (training yields every step). */
  async #heartbeatLoop(signal: AbortSignal): Promise<void> {
    const every = (this.#ctx.config.heartbeatSeconds * 1000);
    while (!signal.aborted) {
      await this.#clock.sleep(every, signal);
      await this.#client.heartbeat(this.#ctx.run, this.#init.identity.peer, this.#held?.hash ?? '', signal).catch((err: Error) => {
        if (!signal.aborted) this.#emit({ kind: 'warning', message: `heartbeat failed: ${err.message}` });
      });
    }
  }

  /** Bring the held model to `status.model`: apply the last round ourselves if we hold its base, else fetch. */
  async #sync(status: RunStatus, signal: AbortSignal): Promise<void> {
    if (this.#held?.hash === status.model) return;
    const record = status.last.record;
    if (record.model === status.model && this.#held !== undefined && this.#held.state.round + 1 === record.round) {
      try {
        const deltas: Float32Array[] = [];
        for (const a of record.accepted) {
          const bytes = await this.#fetch(a.payloadHash, [this.#init.coordinator, ...status.providers], signal, this.#ctx.payloadBytes);
          deltas.push(decodeContribution(this.#ctx.codec, bytes, this.#ctx.size));
        }
        const next = this.#meter.compute(() => applyRound(this.#held!.state, deltas, this.#ctx.config.outer));
        const bytes = encodeModelState(this.#ctx.config.model, next);
        const hash = sha256(bytes);
        if (hash === status.model) {
          this.#init.store.put(bytes);
          this.#adopt({ state: next, hash }, 'applied');
          return;
        }
        this.#emit({ kind: 'warning', message: `round ${record.round}: my result ${hash.slice(0, 12)} differs from the ledger's ${status.model.slice(0, 12)}; fetching the checkpoint` });
      } catch (err) {
        if (signal.aborted) throw err;
        this.#emit({ kind: 'warning', message: `round ${record.round}: could not apply it myself (${(err as Error).message}); fetching the checkpoint` });
      }
    }
    const bytes = await this.#fetch(status.model, [...status.providers, this.#init.coordinator], signal, 1 << 30);
    this.#adopt({ state: decodeModelState(bytes, this.#ctx.config.model), hash: status.model }, 'fetched');
  }

  #adopt(held: Held, how: 'applied' | 'fetched'): void {
    const previous = this.#held;
    this.#held = held;
    this.#emit({ kind: 'synced', round: held.state.round, model: held.hash, how });
    if (previous !== undefined && held.state.round > previous.state.round) {
      this.#emit({ kind: 'round', metrics: this.#meter.endRound(held.state.round, this.#clock.now(), this.#lastLoss === undefined ? {} : { loss: this.#lastLoss }) });
    }
  }

  /** H inner steps on this peer's assignment, then the signed contribution. */
  async #trainRound(status: RunStatus, signal: AbortSignal): Promise<void> {
    const { config, run } = this.#ctx;
    const peer = this.#init.identity.peer;
    const base = this.#held!;
    const assignment = dataAssignment(run, status.round, peer, config.H);
    const worker = this.#worker;
    worker.params.flat.set(base.state.params);
    const leaves: Uint8Array[] = [];
    let lossSum = 0;
    for (let h = 0; h < assignment.steps; h++) {
      if (this.#clock.now() > status.deadline) {
        this.#committed = status.round;
        this.#emit({ kind: 'skipped', round: status.round, why: `deadline passed after ${h} of ${assignment.steps} steps` });
        return;
      }
      const step = assignment.firstStep + h;
      lossSum += this.#meter.compute(() => {
        const batch = sampleBatch(this.#train, { seed: config.seed, step, worker: assignment.stream, batchSize: config.batchSize, contextLength: config.model.contextLength });
        worker.step = step;
        const r = applyGradients(worker, forwardBackward(worker, batch));
        const flat = worker.params.flat;
        leaves.push(sha256Digest(new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength)));
        return r.loss;
      });
      await new Promise<void>((resolve) => setImmediate(resolve)); // let heartbeats and blob requests through
      if (this.#init.stepDelayMs !== undefined) await this.#clock.sleep(this.#init.stepDelayMs, signal);
      if (signal.aborted) return;
    }
    const payload = this.#meter.compute(() => {
      const delta = pseudoGradient(base.state.params, worker.params.flat);
      return this.#feedback === undefined ? this.#ctx.codec.encode(delta) : this.#feedback.encode(delta);
    });
    const payloadHash = this.#init.store.put(payload);
    const loss = lossSum / assignment.steps;
    const commitment: Commitment = {
      run, round: status.round, peer, baseModel: base.hash, assignment, payloadHash, payloadBytes: payload.length, stepsRoot: merkleRoot(leaves), loss,
    };
    const signed = signCommitment(this.#init.identity, commitment);
    this.#lastCommit = signed;
    this.#committed = status.round;
    const res = await this.#client.commit(run, signed, this.#init.transport.addresses(), signal);
    this.#lastLoss = loss;
    if (res.type === 'reject') this.#emit({ kind: 'warning', message: `round ${status.round}: contribution refused: ${res.reason}: ${res.message}` });
    else this.#emit({ kind: 'committed', round: status.round, loss, payloadBytes: payload.length });
  }

  async #fetch(hash: Hash, providers: readonly PeerAddress[], signal: AbortSignal, maxBytes: number): Promise<Uint8Array> {
    const have = this.#init.store.get(hash);
    if (have !== undefined) return have;
    const bytes = await fetchBlob(this.#init.transport, hash, dedupe(providers), { maxBytes, signal, timeoutMs: 30_000 });
    this.#meter.bytesReceived += bytes.length;
    this.#init.store.put(bytes);
    return bytes;
  }

  #emit(e: TrainerEvent): void {
    this.#init.onEvent?.(e);
  }
}

function dedupe(providers: readonly PeerAddress[]): PeerAddress[] {
  const seen = new Set<string>();
  return providers.filter((p) => (seen.has(p.peer) ? false : (seen.add(p.peer), true)));
}

/**
 * @file The coordinator process: serves the run (status, joins, heartbeats, commitments) from
 * the RoundCoordinator state machine, closes rounds (fetches each committed payload from its
 * trainer, verifies and decodes it, aggregates in canonical order, applies the outer step),
 * and appends every closed round to its ledger before announcing it. Restarted on the same
 * folder, it rebuilds its state from the ledger and the checkpoint the last record names.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initGpt } from '../nn/index.ts';
import { validationLoss } from '../optim/index.ts';
import type { Backend } from '../tensor/index.ts';
import { BlobFetchError, fetchBlob, serveBlobs } from '../net/index.ts';
import {
  applyRound, commitmentHash, decodeContribution, decodeModelState, decodeRequest, encodeAnnouncement, encodeModelState, encodeResponse,
  genesisRecord, LIMITS, nextRecord, ProtocolError, rejectionOf, RoundCoordinator, signRecord,
  type Accepted, type BlobStore, type Clock, type CloseAction, type Hash, type Identity, type ModelState, type RejectReason, type SignedRecord, type Transport,
} from '../protocol/index.ts';
import { systemClock } from './clock.ts';
import { LedgerFile } from './ledger-file.ts';
import { Meter, meteredStore, type RoundMetrics } from './metrics.ts';
import { loadRunData, runContext, type RunContext } from './run.ts';

export type CoordinatorEvent =
  | { readonly kind: 'started'; readonly run: Hash; readonly peer: string; readonly round: number; readonly resumed: boolean; readonly addrs: readonly string[] }
  | { readonly kind: 'rejected'; readonly round: number; readonly peer: string; readonly reason: RejectReason; readonly message: string }
  | { readonly kind: 'closed'; readonly round: number; readonly members: number; readonly accepted: number; readonly model: Hash; readonly valLoss: number; readonly metrics: RoundMetrics; readonly trainLoss: number }
  | { readonly kind: 'done'; readonly round: number; readonly model: Hash };

export interface CoordinatorNodeInit {
  readonly transport: Transport;
  readonly store: BlobStore;
  readonly identity: Identity;
  /** The coordinator's folder: run.manifest, ledger.bin, data/. */
  readonly dir: string;
  /** The run manifest of a new run; omitted when resuming from `dir`. */
  readonly manifest?: Uint8Array;
  readonly corpusPath: string;
  readonly clock?: Clock;
  readonly backend?: Backend;
  readonly onEvent?: (e: CoordinatorEvent) => void;
  readonly tickMs?: number;
  /** Seconds to keep serving after the last round for trainers to sync (default 30). */
  readonly graceSeconds?: number;
  /** Validation batches (of 16 windows) evaluated after every round (0 = none). */
  readonly evalBatches?: number;
}

export class CoordinatorNode {
  readonly #init: CoordinatorNodeInit;
  readonly #clock: Clock;
  readonly ctx: RunContext;
  readonly #ledger: LedgerFile;
  readonly coordinator: RoundCoordinator;
  readonly meter: Meter;
  #state: ModelState;
  readonly #val: Int32Array;
  readonly #evalStore;

  constructor(init: CoordinatorNodeInit) {
    this.#init = init;
    this.#clock = init.clock ?? systemClock;
    this.meter = new Meter(this.#clock.now());
    mkdirSync(init.dir, { recursive: true });
    const manifestPath = join(init.dir, 'run.manifest');
    const resumed = existsSync(manifestPath);
    const manifest = resumed ? new Uint8Array(readFileSync(manifestPath)) : init.manifest;
    if (manifest === undefined) throw new Error(`${init.dir} holds no run (run.manifest) and no new run was given`);
    if (!resumed) {
      writeFileSync(`${manifestPath}.tmp`, manifest);
      renameSync(`${manifestPath}.tmp`, manifestPath);
    }
    this.ctx = runContext(manifest);
    init.store.put(manifest);
    this.#ledger = LedgerFile.open(join(init.dir, 'ledger.bin'), this.ctx.run, init.identity.peer);
    if (this.#ledger.last === undefined) this.#ledger.append(signRecord(init.identity, genesisRecord(this.ctx.run, this.ctx.initialModel, [], this.#clock.now())));
    const last = this.#ledger.last!;
    const checkpoint = init.store.get(last.record.model);
    if (checkpoint === undefined) throw new Error(`the ledger's last model ${last.record.model.slice(0, 12)} is missing from the blob store`);
    this.#state = decodeModelState(checkpoint, this.ctx.config.model);
    this.coordinator = new RoundCoordinator({
      run: this.ctx.run, config: this.ctx.config, last, self: { peer: init.identity.peer, addrs: init.transport.addresses() }, payloadBytes: this.ctx.payloadBytes,
    });
    this.#val = loadRunData(this.ctx.config, init.corpusPath, init.dir).val;
    this.#evalStore = initGpt(this.ctx.config.model, this.ctx.config.seed, init.backend);
    serveBlobs(init.transport, meteredStore(init.store, this.meter));
    init.transport.handle('coordinator', async (body, from) => this.#answer(body, from), { maxRequestBytes: LIMITS.request });
    this.#emit({ kind: 'started', run: this.ctx.run, peer: init.identity.peer, round: this.coordinator.round, resumed, addrs: init.transport.addresses() });
  }

  get state(): ModelState { return this.#state; }
  get ledger(): readonly SignedRecord[] { return this.#ledger.records; }

  /** Serve and close rounds until the run is done or `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const action = this.coordinator.tick(this.#clock.now());
      if (action !== undefined) await this.#close(action, signal);
      if (this.coordinator.phase === 'done') {
        await this.#linger(signal);
        this.#emit({ kind: 'done', round: this.coordinator.round - 1, model: this.coordinator.model });
        return;
      }
      await this.#clock.sleep(this.#init.tickMs ?? 100, signal).catch(() => undefined);
    }
  }

  /**
   * After the last round, keep serving (status, payloads, the final checkpoint) until every
   * member reports the final model or `graceSeconds` pass, so that trainers can finish syncing.
   */
  async #linger(signal: AbortSignal): Promise<void> {
    const until = this.#clock.now() + (this.#init.graceSeconds ?? 30) * 1000;
    while (!signal.aborted && this.#clock.now() < until && !this.coordinator.allHold(this.coordinator.model)) {
      this.coordinator.tick(this.#clock.now());
      await this.#clock.sleep(this.#init.tickMs ?? 100, signal).catch(() => undefined);
    }
  }

  /** Validation loss of the current global model. */
  validationLoss(batches: number): number {
    this.#evalStore.flat.set(this.#state.params);
    return validationLoss(this.#evalStore, this.ctx.config.model, this.#val, { seed: this.ctx.config.seed, batches, batchSize: 16 });
  }

  async #answer(body: Uint8Array, from: string): Promise<Uint8Array> {
    this.meter.bytesReceived += body.length;
    let res;
    try {
      const req = decodeRequest(body);
      res = req.type === 'hello' ? this.coordinator.status(this.#clock.now()) : this.coordinator.handle(req, from, this.#clock.now());
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // rejectionOf cuts the message to the wire bound: a decoder's message can quote a field
      // name of any length, and an unencodable rejection would reset the stream instead.
      res = rejectionOf(err);
    }
    if (res.type === 'reject') this.#emit({ kind: 'rejected', round: this.coordinator.round, peer: from, reason: res.reason, message: res.message });
    const out = encodeResponse(res);
    this.meter.bytesSent += out.length;
    return out;
  }

  async #close(action: CloseAction, signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    const accepted: Accepted[] = [];
    const deltas: Float32Array[] = [];
    let lossSum = 0;
    // Fetch every payload at once (a slow committer delays the close by one timeout, not one per
    // peer), then verify and aggregate strictly in canonical order.
    const fetched = await Promise.allSettled(action.commits.map(async ({ signed, from }) => {
      const hash = signed.commitment.payloadHash;
      const have = this.#init.store.get(hash);
      if (have !== undefined) return have;
      const payload = await fetchBlob(this.#init.transport, hash, [from], { maxBytes: ctx.payloadBytes, signal, timeoutMs: 10_000 });
      this.meter.bytesReceived += payload.length;
      return payload;
    }));
    if (signal.aborted) throw signal.reason;
    action.commits.forEach(({ signed }, i) => {
      const c = signed.commitment;
      const got = fetched[i]!;
      try {
        if (got.status === 'rejected') throw got.reason;
        const delta = decodeContribution(ctx.codec, got.value, ctx.size);
        this.#init.store.put(got.value);
        accepted.push({ peer: c.peer, payloadHash: c.payloadHash, commitmentHash: commitmentHash(signed) });
        deltas.push(delta);
        lossSum += c.loss;
      } catch (err) {
        this.#emit({ kind: 'rejected', round: action.round, peer: c.peer, reason: closeRejection(err), message: (err as Error).message });
      }
    });
    const next = this.meter.compute(() => applyRound(this.#state, deltas, ctx.config.outer));
    const model = this.#init.store.put(encodeModelState(ctx.config.model, next));
    const record = signRecord(this.#init.identity, nextRecord(this.coordinator.last, {
      round: action.round, members: action.members, accepted, model, time: this.#clock.now(),
    }));
    this.#ledger.append(record);
    this.#state = next;
    this.coordinator.finishRound(record, this.#clock.now());
    const valLoss = (this.#init.evalBatches ?? 4) > 0 ? this.meter.compute(() => this.validationLoss(this.#init.evalBatches ?? 4)) : NaN;
    const metrics = this.meter.endRound(action.round, this.#clock.now(), { valLoss });
    await this.#init.transport.publish(`tessera/${ctx.run}`, encodeAnnouncement({ type: 'round-closed', last: record })).catch(() => undefined);
    this.#emit({ kind: 'closed', round: action.round, members: action.members.length, accepted: accepted.length, model, valLoss, metrics, trainLoss: accepted.length > 0 ? lossSum / accepted.length : NaN });
  }

  #emit(e: CoordinatorEvent): void {
    this.#init.onEvent?.(e);
  }
}

/** The reason a committed contribution is dropped at close: a hash that did not match, or a payload not delivered in time. */
function closeRejection(err: unknown): RejectReason {
  if (err instanceof ProtocolError) return err.reason;
  if (err instanceof BlobFetchError) return err.failures.some((f) => f.reason === 'hash-mismatch') ? 'hash-mismatch' : 'late';
  return 'malformed';
}

/**
 * @file A deterministic in-process simulator of k workers training one model together, with
 * data-parallel, DiLoCo / Streaming DiLoCo, or DeMo. Workers run one after another on this
 * machine, but each keeps its own parameters, optimizer state, data stream and codec state
 * exactly as a separate machine would; every pseudo-gradient really goes through its codec
 * (encode to bytes, decode), and bytes are counted from the payloads. The same config and
 * seed give the same final parameter hash, on any backend and thread count.
 *
 * Time is counted in inner steps t = 0..steps-1. Worker w at step t trains on
 * sampleBatch(split_w, { seed, step: t, worker: w }), whatever the method, so every method sees
 * the same windows. Fragment p of P syncs after step s = t_p + m*H (m >= 1, t_p = floor(p*H/P));
 * its outer update lands tau steps later.
 */
import { createCodec } from '../compress/registry.ts';
import { createErrorFeedback, type Codec } from '../compress/index.ts';
import { initGpt } from '../nn/index.ts';
import { sampleBatch } from '../data/index.ts';
import { deriveKey, randomBits, type Backend } from '../tensor/index.ts';
import { resetAdamW } from './adamw.ts';
import { aggregate } from './aggregate.ts';
import { demoAccumulate, demoSubtract, signUpdate } from './demo.ts';
import { gatherFragment, scatterFragment, stridedFragments, wholeFragment, fragmentShapes, type Fragment } from './fragments.ts';
import { outerStep, pseudoGradient } from './outer.ts';
import { lrAt } from './schedule.ts';
import { isActive, validateSimConfig, type SimConfig } from './sim-config.ts';
import { applyGradients, createTrainState, forwardBackward, validationLoss, type TrainState } from './trainer.ts';

export interface SimPoint {
  readonly step: number;
  /** Training tokens consumed by all workers so far. */
  readonly tokens: number;
  readonly valLoss: number;
}

export interface SimBytes {
  /** Payload bytes sent by all workers over the run. */
  readonly total: number;
  /** Synchronisation events (fragment syncs for DiLoCo, steps for data-parallel and DeMo). */
  readonly syncs: number;
  /** Payloads sent. */
  readonly contributions: number;
  /** The largest payload one worker sent in one exchange. */
  readonly peakPerExchange: number;
}

export interface SimResult {
  readonly curve: readonly SimPoint[];
  readonly finalValLoss: number;
  /** SHA-256 of the final global parameters (canonical tensor hash). */
  readonly hash: string;
  readonly tokens: number;
  readonly bytes: SimBytes;
  /** Mean wall-clock seconds of one inner step (forward, backward, update) of one worker. */
  readonly stepSeconds: number;
  readonly seconds: number;
}

/** A result plus the final global parameters (not stored with results: large). */
export interface SimOutcome extends SimResult {
  readonly params: Float32Array;
}

export interface SimulateOptions {
  readonly backend?: Backend;
  /** Called after every evaluation. */
  readonly onEval?: (point: SimPoint) => void;
  /**
   * The sampleBatch `worker` stream of worker w at inner step t (default: w). A distributed run
   * derives streams from (run, round, peer); passing the same mapping makes the simulation
   * follow that run bit for bit.
   */
  readonly streamOf?: (worker: number, step: number) => number;
}

interface Exchange {
  readonly fragment: number;
  readonly contributions: Float32Array[];
  /** Workers whose contribution was lost on the way: they keep their own parameters. */
  readonly dropped: Set<number>;
  readonly applyAt: number;
}

/**
 * Run a simulation over token splits `train` and `val`.
 * @example const r = simulate(cfg, { train, val }); console.log(r.finalValLoss, r.bytes.total, r.hash);
 */
export function simulate(cfg: SimConfig, data: { train: Int32Array; val: Int32Array }, opts: SimulateOptions = {}): SimOutcome {
  validateSimConfig(cfg);
  const started = performance.now();
  const { train: tcfg, workers: k } = cfg;
  const T = tcfg.model.contextLength;
  const shardLength = Math.floor(data.train.length / k);
  const splitOf = (w: number): Int32Array => (cfg.data === 'iid' ? data.train : data.train.subarray(w * shardLength, (w + 1) * shardLength));
  const batchOf = (w: number, t: number) => sampleBatch(splitOf(w), { seed: tcfg.seed, step: t, worker: opts.streamOf?.(w, t) ?? w, batchSize: tcfg.batchSize, contextLength: T });
  const evalStore = initGpt(tcfg.model, tcfg.seed, opts.backend);
  const n = evalStore.size;
  const curve: SimPoint[] = [];
  let tokens = 0;
  let stepTime = 0;
  let stepCount = 0;
  const bytes = { total: 0, syncs: 0, contributions: 0, peakPerExchange: 0 };
  const send = (codec: Codec, payload: Uint8Array, expected: number): Float32Array => {
    bytes.total += payload.length;
    bytes.contributions += 1;
    bytes.peakPerExchange = Math.max(bytes.peakPerExchange, payload.length);
    return codec.decode(payload, expected);
  };
  const timed = <R>(fn: () => R): R => {
    const t0 = performance.now();
    const r = fn();
    stepTime += performance.now() - t0;
    stepCount += 1;
    return r;
  };
  const evaluate = (params: Float32Array, step: number): void => {
    evalStore.flat.set(params);
    const point = { step, tokens, valLoss: validationLoss(evalStore, tcfg.model, data.val, { seed: tcfg.seed, batches: cfg.evalBatches, batchSize: cfg.evalBatchSize }) };
    curve.push(point);
    opts.onEval?.(point);
  };
  const shouldEval = (s: number): boolean => s % cfg.evalEvery === 0 || s === cfg.steps;

  let finalParams: Float32Array;
  if (cfg.method === 'diloco') {
    finalParams = runDiloco();
  } else {
    finalParams = runSharedModel();
  }
  evalStore.flat.set(finalParams);
  return {
    params: Float32Array.from(finalParams), curve, finalValLoss: curve[curve.length - 1]!.valLoss, hash: evalStore.hash(), tokens, bytes: { ...bytes },
    stepSeconds: stepTime / 1000 / Math.max(1, stepCount), seconds: (performance.now() - started) / 1000,
  };

  /** Data-parallel and DeMo: one model that every worker holds identically. */
  function runSharedModel(): Float32Array {
    const state = createTrainState(tcfg, opts.backend);
    const codec = createCodec(cfg.method === 'demo' ? cfg.demo!.codec : { name: 'fp32' }, fragmentShapes(state.params.entries, wholeFragment(n)), opts.backend);
    const grads = Array.from({ length: k }, () => new Float32Array(n));
    const momenta = cfg.method === 'demo' ? Array.from({ length: k }, () => new Float32Array(n)) : [];
    evaluate(state.params.flat, 0);
    for (let t = 0; t < cfg.steps; t++) {
      const sent: Float32Array[] = [];
      let lossSum = 0;
      for (let w = 0; w < k; w++) {
        if (!isActive(cfg, w, t)) continue;
        const loss = timed(() => forwardBackward(state, batchOf(w, t)));
        lossSum += loss;
        tokens += tcfg.batchSize * T;
        if (cfg.method === 'demo') {
          const delta = momenta[w]!;
          demoAccumulate(delta, state.grads, cfg.demo!.beta, lrAt(t, tcfg.schedule));
          const decoded = send(codec, codec.encode(delta), n);
          demoSubtract(delta, decoded);
          sent.push(decoded);
        } else {
          grads[w]!.set(state.grads);
          sent.push(send(codec, codec.encode(grads[w]!), n));
        }
      }
      bytes.syncs += 1;
      if (sent.length > 0) {
        const direction = aggregate(sent, cfg.aggregation);
        state.step = t;
        if (cfg.method === 'demo') {
          signUpdate(state.params.flat, direction, lrAt(t, tcfg.schedule), cfg.demo!.weightDecay);
        } else {
          state.grads.set(direction);
          applyGradients(state, lossSum / sent.length);
        }
      }
      if (shouldEval(t + 1)) evaluate(state.params.flat, t + 1);
    }
    return state.params.flat;
  }

  /** DiLoCo and Streaming DiLoCo: each worker trains its own copy; fragments sync every H steps. */
  function runDiloco(): Float32Array {
    const d = cfg.diloco!;
    const workers: TrainState[] = Array.from({ length: k }, () => createTrainState(tcfg, opts.backend));
    const global = Float32Array.from(workers[0]!.params.flat);
    const frags: Fragment[] = d.fragments === 1 ? [wholeFragment(n)] : stridedFragments(workers[0]!.params.entries, d.fragments);
    const codecs = frags.map((fr) => createCodec(d.codec, fragmentShapes(workers[0]!.params.entries, fr), opts.backend));
    const momentum = frags.map((fr) => new Float32Array(fr.size));
    const feedback = workers.map(() => frags.map((fr, p) => (d.errorFeedback ? createErrorFeedback(codecs[p]!, fr.size) : undefined)));
    const offsets = frags.map((_, p) => Math.floor((p * d.H) / frags.length));
    const wasActive = workers.map((_, w) => isActive(cfg, w, 0));
    let pending: Exchange[] = [];
    const scratch = frags.map((fr) => [new Float32Array(fr.size), new Float32Array(fr.size)] as const);
    evaluate(global, 0);
    for (let t = 0; t < cfg.steps; t++) {
      for (let w = 0; w < k; w++) {
        const active = isActive(cfg, w, t);
        const worker = workers[w]!;
        if (active && !wasActive[w]) rejoin(worker, w);
        wasActive[w] = active;
        if (!active) continue;
        worker.step = t;
        timed(() => applyGradients(worker, forwardBackward(worker, batchOf(w, t))));
        tokens += tcfg.batchSize * T;
      }
      const s = t + 1;
      for (let p = 0; p < frags.length; p++) {
        if (s > offsets[p]! && (s - offsets[p]!) % d.H === 0) startExchange(p, s, t);
      }
      for (const ex of pending) if (ex.applyAt === s) applyExchange(ex, t);
      pending = pending.filter((e) => e.applyAt !== s);
      if (shouldEval(s)) evaluate(global, s);
    }
    return global;

    function rejoin(worker: TrainState, w: number): void {
      worker.params.flat.set(global);
      resetAdamW(worker.adam);
      for (const ef of feedback[w]!) ef?.reset();
    }

    function startExchange(p: number, s: number, t: number): void {
      const fr = frags[p]!;
      const [globalPacked, localPacked] = scratch[p]!;
      gatherFragment(global, fr, globalPacked);
      const contributions: Float32Array[] = [];
      const dropped = new Set<number>();
      for (let w = 0; w < k; w++) {
        if (!isActive(cfg, w, t)) continue;
        if (isDropped(w, s, p)) { dropped.add(w); continue; }
        const delta = pseudoGradient(globalPacked, gatherFragment(workers[w]!.params.flat, fr, localPacked));
        const ef = feedback[w]![p];
        const payload = ef === undefined ? codecs[p]!.encode(delta) : ef.encode(delta);
        contributions.push(send(codecs[p]!, payload, fr.size));
      }
      bytes.syncs += 1;
      const ex = { fragment: p, contributions, dropped, applyAt: s + d.tau };
      if (d.tau === 0) applyExchange(ex, t);
      else pending.push(ex);
    }

    function applyExchange(ex: Exchange, t: number): void {
      if (ex.contributions.length === 0) return;
      const fr = frags[ex.fragment]!;
      const [globalPacked, localPacked] = scratch[ex.fragment]!;
      gatherFragment(global, fr, globalPacked);
      outerStep(globalPacked, momentum[ex.fragment]!, aggregate(ex.contributions, cfg.aggregation), d.outer);
      scatterFragment(global, fr, globalPacked);
      const a = Math.fround(d.alpha);
      const b = Math.fround(1 - a);
      for (let w = 0; w < k; w++) {
        if (!isActive(cfg, w, t) || ex.dropped.has(w)) continue;
        if (d.tau === 0) { scatterFragment(workers[w]!.params.flat, fr, globalPacked); continue; }
        gatherFragment(workers[w]!.params.flat, fr, localPacked);
        for (let i = 0; i < fr.size; i++) localPacked[i] = Math.fround(Math.fround(a * localPacked[i]!) + Math.fround(b * globalPacked[i]!));
        scatterFragment(workers[w]!.params.flat, fr, localPacked);
      }
    }
  }

  function isDropped(w: number, s: number, p: number): boolean {
    const prob = cfg.dropProbability ?? 0;
    if (prob === 0) return false;
    return randomBits(deriveKey(tcfg.seed, 'drop', w, s, p), 1)[0]! / 2 ** 32 < prob;
  }
}

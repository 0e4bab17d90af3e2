/**
 * @file The configuration of an in-process multi-worker training simulation: which method
 * (data-parallel, DiLoCo / Streaming DiLoCo, DeMo), how many workers, what data each sees,
 * how they communicate, and who is missing when. Everything is declarative (plain data) so
 * a config can be printed, hashed and stored next to its results.
 */
import type { CodecSpec } from '../compress/registry.ts';
import type { AggregationRule } from './aggregate.ts';
import type { DemoConfig } from './demo.ts';
import type { OuterConfig } from './outer.ts';
import type { TrainConfig } from './trainer.ts';

export interface DilocoConfig {
  /** Inner steps between two synchronisations of a fragment. */
  readonly H: number;
  readonly outer: OuterConfig;
  /** How a pseudo-gradient goes on the wire. */
  readonly codec: CodecSpec;
  /** Keep what the codec lost and add it to the next pseudo-gradient (per worker, per fragment). */
  readonly errorFeedback: boolean;
  /** Streaming DiLoCo: number of strided fragments (1 = plain DiLoCo). */
  readonly fragments: number;
  /** Streaming DiLoCo: inner steps between sending a fragment and applying its outer update (0 = blocking). */
  readonly tau: number;
  /** Streaming DiLoCo: local share when merging after an overlapped update, local = alpha * local + (1 - alpha) * global. */
  readonly alpha: number;
}

/** A worker doing no work at all for inner steps [from, to) (a crash, a restart, a laptop lid). */
export interface Absence {
  readonly worker: number;
  readonly from: number;
  readonly to: number;
}

export interface SimConfig {
  /** Per-worker training config: model, seed, per-worker batch size, inner AdamW, schedule, clipping. */
  readonly train: TrainConfig;
  readonly method: 'dp' | 'diloco' | 'demo';
  /** Number of workers (the largest pool when `pool` changes it). */
  readonly workers: number;
  /** Inner steps per worker; every method sees workers x steps x batch windows in total. */
  readonly steps: number;
  readonly diloco?: DilocoConfig;
  readonly demo?: DemoConfig & { readonly codec: CodecSpec };
  /** How contributions are combined (default: the mean). */
  readonly aggregation?: AggregationRule;
  /** 'iid': every worker samples the whole train split; 'non-iid': worker i samples only the i-th contiguous shard. */
  readonly data: 'iid' | 'non-iid';
  readonly absences?: readonly Absence[];
  /** Each worker's contribution to a sync is lost with this probability (the worker then keeps its own parameters). */
  readonly dropProbability?: number;
  /** A changing pool: from inner step `from`, workers 0..count-1 take part (sorted by `from`; the first must start at 0). */
  readonly pool?: ReadonlyArray<{ readonly from: number; readonly count: number }>;
  readonly evalEvery: number;
  readonly evalBatches: number;
  readonly evalBatchSize: number;
}

/** A config that cannot run; the message names the field. */
export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
}

export function validateSimConfig(cfg: SimConfig): void {
  const positive = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new SimConfigError(`${name} must be a positive integer, got ${v}`);
  };
  positive('workers', cfg.workers);
  positive('steps', cfg.steps);
  positive('evalEvery', cfg.evalEvery);
  positive('evalBatches', cfg.evalBatches);
  positive('evalBatchSize', cfg.evalBatchSize);
  if (cfg.method === 'diloco') {
    const d = cfg.diloco;
    if (d === undefined) throw new SimConfigError('method diloco needs a diloco config');
    positive('diloco.H', d.H);
    positive('diloco.fragments', d.fragments);
    if (!Number.isInteger(d.tau) || d.tau < 0 || d.tau >= d.H) throw new SimConfigError(`diloco.tau must be an integer in [0, H), got ${d.tau}`);
    if (!(d.alpha >= 0 && d.alpha <= 1)) throw new SimConfigError(`diloco.alpha must be in [0, 1], got ${d.alpha}`);
  }
  if (cfg.method === 'demo' && cfg.demo === undefined) throw new SimConfigError('method demo needs a demo config');
  const p = cfg.dropProbability ?? 0;
  if (!(p >= 0 && p < 1)) throw new SimConfigError(`dropProbability must be in [0, 1), got ${p}`);
  for (const a of cfg.absences ?? []) {
    if (!(a.worker >= 0 && a.worker < cfg.workers && a.from < a.to)) throw new SimConfigError(`bad absence ${JSON.stringify(a)}`);
  }
  const pool = cfg.pool ?? [];
  if (pool.length > 0 && pool[0]!.from !== 0) throw new SimConfigError('pool must start at step 0');
  for (let i = 0; i < pool.length; i++) {
    const e = pool[i]!;
    if (!(e.count >= 1 && e.count <= cfg.workers)) throw new SimConfigError(`pool count ${e.count} outside 1..${cfg.workers}`);
    if (i > 0 && !(e.from > pool[i - 1]!.from)) throw new SimConfigError('pool entries must be sorted by from');
  }
}

/** Whether worker `w` trains at inner step `t`. */
export function isActive(cfg: SimConfig, w: number, t: number): boolean {
  let count = cfg.workers;
  for (const e of cfg.pool ?? []) if (t >= e.from) count = e.count;
  if (w >= count) return false;
  return !(cfg.absences ?? []).some((a) => a.worker === w && t >= a.from && t < a.to);
}

/**
 * @file The named experiments of `tessera experiment`: the DiLoCo / Streaming DiLoCo / DeMo
 * papers' core results reproduced small (tiny GPT, Tiny Shakespeare, k = 4 workers, equal
 * total tokens). A run is a key plus a SimConfig built from the shared scale; experiments
 * share runs (data-parallel and fp32 DiLoCo H = 50 appear in several), and each run's result
 * is stored once.
 */
import { gptTiny } from '../nn/index.ts';
import { adamwDefaults, outerDefaults, type DilocoConfig, type SimConfig } from '../optim/index.ts';
import type { CodecSpec } from '../compress/index.ts';

/** What every run of one experiment set shares. */
export interface Scale {
  readonly workers: number;
  /** Inner steps per worker. */
  readonly steps: number;
  /** Windows per worker per step. */
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly evalEvery: number;
  readonly evalBatches: number;
}

export function defaultScale(): Scale {
  return { workers: 4, steps: 600, batchSize: 4, lr: 3e-3, seed: 1, evalEvery: 50, evalBatches: 16 };
}

function base(s: Scale, method: SimConfig['method']): SimConfig {
  return {
    method, workers: s.workers, steps: s.steps, data: 'iid', evalEvery: s.evalEvery, evalBatches: s.evalBatches, evalBatchSize: 16,
    train: {
      model: gptTiny(), seed: s.seed, batchSize: s.batchSize, adamw: adamwDefaults(), gradClip: 1,
      schedule: { maxLr: s.lr, minLr: s.lr / 10, warmupSteps: Math.round(s.steps / 12), totalSteps: s.steps },
    },
  };
}

function diloco(s: Scale, H: number, codec: CodecSpec = { name: 'fp32' }, extra: Partial<DilocoConfig> = {}): SimConfig {
  return { ...base(s, 'diloco'), diloco: { H, outer: outerDefaults(), codec, errorFeedback: false, fragments: 1, tau: 0, alpha: 0.5, ...extra } };
}

export interface RunDef {
  readonly label: string;
  readonly build: (s: Scale) => SimConfig;
}

export const RUNS: Record<string, RunDef> = {
  'dp': { label: 'data-parallel', build: (s) => base(s, 'dp') },
  'dp-1worker': { label: 'one worker, batch 4 (no communication)', build: (s) => ({ ...base(s, 'dp'), workers: 1 }) },
  'diloco-h50-avg': { label: 'DiLoCo H=50, outer SGD lr 1 no momentum (model averaging)', build: (s) => diloco(s, 50, { name: 'fp32' }, { outer: { lr: 1, momentum: 0, nesterov: false } }) },
  'diloco-h50-lr1': { label: 'DiLoCo H=50, outer Nesterov lr 1.0', build: (s) => diloco(s, 50, { name: 'fp32' }, { outer: { ...outerDefaults(), lr: 1 } }) },
  'diloco-h10': { label: 'DiLoCo H=10', build: (s) => diloco(s, 10) },
  'diloco-h50': { label: 'DiLoCo H=50', build: (s) => diloco(s, 50) },
  'diloco-h200': { label: 'DiLoCo H=200', build: (s) => diloco(s, 200) },
  'diloco-h50-int8': { label: 'DiLoCo H=50 int8', build: (s) => diloco(s, 50, { name: 'int8' }) },
  'diloco-h50-fp4': { label: 'DiLoCo H=50 fp4', build: (s) => diloco(s, 50, { name: 'fp4' }) },
  'diloco-h50-dct32': { label: 'DiLoCo H=50 DCT top-32 + EF', build: (s) => diloco(s, 50, { name: 'dct-topk', k: 32 }, { errorFeedback: true }) },
  'diloco-h50-dct64': { label: 'DiLoCo H=50 DCT top-64 + EF', build: (s) => diloco(s, 50, { name: 'dct-topk', k: 64 }, { errorFeedback: true }) },
  'diloco-h10-dct8': { label: 'DiLoCo H=10 DCT top-8 + EF', build: (s) => diloco(s, 10, { name: 'dct-topk', k: 8 }, { errorFeedback: true }) },
  'streaming-p2': { label: 'Streaming P=2 tau=1', build: (s) => diloco(s, 50, { name: 'fp32' }, { fragments: 2, tau: 1 }) },
  'streaming-p4': { label: 'Streaming P=4 tau=1', build: (s) => diloco(s, 50, { name: 'fp32' }, { fragments: 4, tau: 1 }) },
  'streaming-p4-fp4': { label: 'Streaming P=4 tau=1 fp4', build: (s) => diloco(s, 50, { name: 'fp4' }, { fragments: 4, tau: 1 }) },
  'diloco-h50-absent': {
    label: 'DiLoCo H=50, worker 3 away for 1/3 of the run',
    build: (s) => ({ ...diloco(s, 50), absences: [{ worker: s.workers - 1, from: Math.round(s.steps / 3), to: Math.round((2 * s.steps) / 3) }] }),
  },
  'diloco-h50-drop30': { label: 'DiLoCo H=50, 30% of contributions lost', build: (s) => ({ ...diloco(s, 50), dropProbability: 0.3 }) },
  'dp-noniid': { label: 'data-parallel, non-iid shards', build: (s) => ({ ...base(s, 'dp'), data: 'non-iid' }) },
  'diloco-h50-noniid': { label: 'DiLoCo H=50, non-iid shards', build: (s) => ({ ...diloco(s, 50), data: 'non-iid' }) },
  'diloco-h50-pool': {
    label: 'DiLoCo H=50, pool 2 then 4 workers',
    build: (s) => ({ ...diloco(s, 50), pool: [{ from: 0, count: Math.max(1, Math.floor(s.workers / 2)) }, { from: Math.round(s.steps / 2), count: s.workers }] }),
  },
  'diloco-h50-trimmed': { label: 'DiLoCo H=50, trimmed mean 25%', build: (s) => ({ ...diloco(s, 50), aggregation: { kind: 'trimmed-mean', trim: 0.25 } }) },
  'demo-dct32': { label: 'DeMo (DCT top-32, sign-SGD)', build: (s) => ({ ...base(s, 'demo'), demo: { beta: 0.999, weightDecay: 0, codec: { name: 'dct-topk', k: 32 } } }) },
};

export interface ExperimentDef {
  readonly title: string;
  readonly runs: readonly string[];
  /** The targets from the issue, printed next to the measured table. */
  readonly targets: readonly string[];
}

export const EXPERIMENTS: Record<string, ExperimentDef> = {
  'diloco-h': {
    title: 'DiLoCo: synchronisation interval H vs data-parallel',
    runs: ['dp', 'dp-1worker', 'diloco-h10', 'diloco-h50', 'diloco-h50-avg', 'diloco-h50-lr1', 'diloco-h200'],
    targets: ['H = 50 within 2% of data-parallel with 50x fewer bytes'],
  },
  'codecs': {
    title: 'Codecs for DiLoCo H = 50 pseudo-gradients',
    runs: ['dp', 'diloco-h50', 'diloco-h50-int8', 'diloco-h50-fp4', 'diloco-h50-dct32', 'diloco-h50-dct64', 'diloco-h10-dct8'],
    targets: ['int8 within 0.5% of fp32 DiLoCo', 'DCT top-k: at least 100x fewer bytes than fp32 DiLoCo, within 3% of data-parallel'],
  },
  'streaming': {
    title: 'Streaming DiLoCo: fragments, overlap, 4-bit outer gradients',
    runs: ['dp', 'diloco-h50', 'streaming-p2', 'streaming-p4', 'streaming-p4-fp4'],
    targets: ['peak bytes per exchange reduced by the number of fragments', 'final loss within 1% of plain DiLoCo'],
  },
  'robustness': {
    title: 'Robustness: a worker away, lost contributions, non-iid shards, a changing pool',
    runs: ['dp', 'diloco-h50', 'diloco-h50-absent', 'diloco-h50-drop30', 'dp-noniid', 'diloco-h50-noniid', 'diloco-h50-pool', 'diloco-h50-trimmed'],
    targets: ['as in the DiLoCo paper: small losses from dropped workers, non-iid data and a changing pool (paper: 50% drops cost 2.1% perplexity; final quality follows total compute)'],
  },
  'demo': {
    title: 'DeMo as the data-parallel optimizer',
    runs: ['dp', 'demo-dct32'],
    targets: ['DeMo with DCT top-32 per 64x64 block close to AdamW data-parallel with far fewer bytes'],
  },
};

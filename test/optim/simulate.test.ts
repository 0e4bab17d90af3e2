/**
 * The multi-worker simulator: data-parallel with k workers equals one worker with k times the
 * batch; DiLoCo with one worker, H = 1 and a plain outer step equals single-worker training;
 * the same config gives the same final hash on every run and backend; bytes are counted
 * from the payloads; bad configs are refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { byteTokenizer, sampleBatch } from '../../src/data/index.ts';
import { referenceBackend } from '../../src/tensor/index.ts';
import {
  adamwDefaults, createTrainState, outerDefaults, simulate, SimConfigError, trainStep,
  type SimConfig, type TrainConfig,
} from '../../src/optim/index.ts';

const text = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8');
const tokens = byteTokenizer().encode(text.slice(0, 60_000));
const data = { train: tokens.subarray(0, 50_000), val: tokens.subarray(50_000) };
const T = 16;
const train: TrainConfig = {
  model: { vocabSize: 256, contextLength: T, numLayers: 2, numHeads: 2, embedDim: 32 },
  seed: 3, batchSize: 2, adamw: adamwDefaults(), gradClip: 1,
  schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 2, totalSteps: 8 },
};
const base: SimConfig = { train, method: 'dp', workers: 2, steps: 4, data: 'iid', evalEvery: 2, evalBatches: 1, evalBatchSize: 2 };

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('data-parallel with k workers equals one worker with k times the batch (float tolerance)', () => {
  const k = 3;
  const sim = simulate({ ...base, workers: k }, data);
  const single = createTrainState({ ...train, batchSize: k * train.batchSize });
  for (let t = 0; t < base.steps; t++) {
    const parts = Array.from({ length: k }, (_, w) => sampleBatch(data.train, { seed: train.seed, step: t, worker: w, batchSize: train.batchSize, contextLength: T }));
    const cat = (pick: (b: (typeof parts)[number]) => Int32Array): Int32Array => Int32Array.from(parts.flatMap((b) => [...pick(b)]));
    single.step = t;
    trainStep(single, { inputs: cat((b) => b.inputs), targets: cat((b) => b.targets), starts: cat((b) => b.starts) });
  }
  const diff = maxAbsDiff(sim.params, single.params.flat);
  assert.ok(diff < 2e-5, `max |dp - single| = ${diff}`);
  assert.ok(diff > 0 || sim.hash === single.params.hash(), 'equal bits must mean equal hashes');
  // Not trivially equal to the untrained model.
  assert.ok(maxAbsDiff(sim.params, createTrainState(train).params.flat) > 1e-3);
  assert.equal(sim.tokens, k * base.steps * train.batchSize * T);
  assert.equal(sim.bytes.total, k * base.steps * (8 + 4 * sim.params.length), 'fp32 gradients, one payload per worker per step');
});

test('DiLoCo with one worker, H = 1 and outer SGD lr 1 follows single-worker training', () => {
  const sim = simulate({
    ...base, method: 'diloco', workers: 1,
    diloco: { H: 1, outer: { lr: 1, momentum: 0, nesterov: false }, codec: { name: 'fp32' }, errorFeedback: false, fragments: 1, tau: 0, alpha: 0.5 },
  }, data);
  const single = createTrainState(train);
  for (let t = 0; t < base.steps; t++) trainStep(single, sampleBatch(data.train, { seed: train.seed, step: t, worker: 0, batchSize: train.batchSize, contextLength: T }));
  const diff = maxAbsDiff(sim.params, single.params.flat);
  // global - (global - local) is not always local in f32; AdamW carries the last-bit differences on.
  assert.ok(diff < 1e-5, `max |diloco - single| = ${diff}`);
});

const streaming: SimConfig = {
  ...base, method: 'diloco', workers: 3, steps: 6,
  diloco: { H: 2, outer: outerDefaults(), codec: { name: 'int8' }, errorFeedback: true, fragments: 2, tau: 1, alpha: 0.5 },
  dropProbability: 0.3, absences: [{ worker: 2, from: 1, to: 3 }], data: 'non-iid',
};

test('the simulator is deterministic: same config, same final hash, on the wasm and the reference backend', () => {
  const a = simulate(streaming, data);
  const b = simulate(streaming, data);
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.curve.map((p) => p.valLoss), b.curve.map((p) => p.valLoss));
  const ref = simulate(streaming, data, { backend: referenceBackend });
  assert.equal(ref.hash, a.hash, 'reference backend gives the same bits');
  const other = simulate({ ...streaming, train: { ...train, seed: 4 } }, data);
  assert.notEqual(other.hash, a.hash, 'another seed gives another model');
  // Two strided fragments shrink the largest exchange (the embedding makes one fragment larger).
  const whole = 8 + 1024 + a.params.length;
  assert.ok(a.bytes.peakPerExchange < 0.65 * whole, `peak ${a.bytes.peakPerExchange} of ${whole}`);
});

test('DiLoCo and DeMo runs count their payload bytes; DCT top-k sends far less than fp32', () => {
  const diloco = (codec: SimConfig['diloco'] extends infer D ? D extends { codec: infer C } ? C : never : never): SimConfig => ({
    ...base, method: 'diloco', diloco: { H: 2, outer: outerDefaults(), codec, errorFeedback: codec.name === 'dct-topk', fragments: 1, tau: 0, alpha: 0.5 },
  });
  const fp32 = simulate(diloco({ name: 'fp32' }), data);
  const n = fp32.params.length;
  assert.equal(fp32.bytes.syncs, 2);
  assert.equal(fp32.bytes.total, 2 * 2 * (8 + 4 * n));
  const dct = simulate(diloco({ name: 'dct-topk', k: 4 }), data);
  assert.ok(dct.bytes.total * 20 < fp32.bytes.total, `dct ${dct.bytes.total} vs fp32 ${fp32.bytes.total}`);
  assert.ok(Number.isFinite(dct.finalValLoss));
  const demo = simulate({ ...base, method: 'demo', demo: { beta: 0.999, weightDecay: 0, codec: { name: 'dct-topk', k: 4 } } }, data);
  assert.equal(demo.bytes.contributions, base.workers * base.steps);
  assert.ok(demo.finalValLoss < demo.curve[0]!.valLoss, 'DeMo learns');
});

test('bad simulation configs are refused by name', () => {
  assert.throws(() => simulate({ ...base, workers: 0 }, data), SimConfigError);
  assert.throws(() => simulate({ ...base, method: 'diloco' }, data), SimConfigError);
  assert.throws(() => simulate({ ...streaming, diloco: { ...streaming.diloco!, tau: 2 } }, data), SimConfigError);
  assert.throws(() => simulate({ ...base, dropProbability: 1 }, data), SimConfigError);
  assert.throws(() => simulate({ ...base, pool: [{ from: 1, count: 1 }] }, data), SimConfigError);
  assert.throws(() => simulate({ ...base, absences: [{ worker: 5, from: 0, to: 1 }] }, data), SimConfigError);
});

/**
 * Training on one device: the schedule and clipping, a run resumed from a checkpoint that
 * continues bit for bit, and checkpoints that refuse damage by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteTokenizer, sampleBatch } from '../../src/data/index.ts';
import {
  adamwDefaults, clipGradNorm, createTrainState, globalNorm, loadCheckpoint, lrAt, saveCheckpoint, trainStep,
  type TrainConfig, type TrainState,
} from '../../src/optim/index.ts';

const text = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 100_000);
const tokens = byteTokenizer().encode(text);
const config: TrainConfig = {
  model: { vocabSize: 256, contextLength: 32, numLayers: 2, numHeads: 2, embedDim: 32 },
  seed: 11,
  batchSize: 4,
  adamw: adamwDefaults(),
  schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 5, totalSteps: 20 },
  gradClip: 1,
};

function run(state: TrainState, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const batch = sampleBatch(tokens, { seed: config.seed, step: state.step, worker: 0, batchSize: config.batchSize, contextLength: 32 });
    losses.push(trainStep(state, batch).loss);
  }
  return losses;
}

test('learning-rate schedule: linear warmup, cosine to the floor, f32 values', () => {
  const s = { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 10, totalSteps: 110 };
  assert.equal(lrAt(0, s), Math.fround(Math.fround(Math.fround(1e-3) * 1) / 10));
  assert.equal(lrAt(9, s), Math.fround(1e-3));
  assert.equal(lrAt(10, s), Math.fround(1e-3)); // cos(0) = 1
  assert.ok(Math.abs(lrAt(60, s) - 5.5e-4) < 1e-9); // halfway: the mean of max and min
  assert.equal(lrAt(110, s), Math.fround(1e-4));
  for (let i = 11; i < 110; i++) assert.ok(lrAt(i, s) <= lrAt(i - 1, s), `not decreasing at ${i}`);
});

test('global-norm clipping matches float64 and scales only when above the limit', () => {
  const g = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.1);
  const exact = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(globalNorm(g) - exact) / exact < 1e-6);
  const clipped = g.slice();
  assert.equal(clipGradNorm(clipped, 1), globalNorm(g));
  assert.ok(Math.abs(globalNorm(clipped) - 1) < 1e-5, `clipped norm ${globalNorm(clipped)}`);
  const small = g.slice();
  clipGradNorm(small, 100);
  assert.deepEqual(small, g);
  const broken = g.slice();
  broken[5] = NaN;
  assert.ok(Number.isNaN(clipGradNorm(broken, 1)));
});

test('10 steps + save + load + 10 steps gives the same bits as 20 steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
  try {
    const straight = createTrainState(config);
    const lossesA = run(straight, 20);
    const first = createTrainState(config);
    const lossesB = run(first, 10);
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, first);
    const resumed = loadCheckpoint(path);
    assert.equal(resumed.step, 10);
    lossesB.push(...run(resumed, 10));
    assert.deepEqual(lossesB, lossesA);
    assert.equal(resumed.params.hash(), straight.params.hash());
    assert.deepEqual(resumed.adam.m, straight.adam.m);
    assert.deepEqual(resumed.adam.v, straight.adam.v);
    assert.ok(lossesA[19]! < lossesA[0]! - 1, `the model should learn: ${lossesA[0]} -> ${lossesA[19]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing, foreign, truncated or poisoned checkpoint is refused by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
  try {
    const refuses = (path: string, name: string, message: RegExp): void =>
      assert.throws(() => loadCheckpoint(path), (err: Error) => err.name === name && message.test(err.message));
    refuses(join(dir, 'none.safetensors'), 'CheckpointError', /cannot read checkpoint/);
    const state = createTrainState(config);
    const path = join(dir, 'ok.safetensors');
    saveCheckpoint(path, state);
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 7));
    refuses(join(dir, 'cut.safetensors'), 'SafetensorsError', /data_offsets|trailing/);
    state.params.slice('ln_f.bias')[3] = NaN;
    saveCheckpoint(join(dir, 'nan.safetensors'), state);
    refuses(join(dir, 'nan.safetensors'), 'CheckpointError', /'ln_f.bias' holds NaN at 3/);
    writeFileSync(join(dir, 'foreign.safetensors'), readFileSync(new URL('../golden/gpt2l.safetensors', import.meta.url)));
    refuses(join(dir, 'foreign.safetensors'), 'CheckpointError', /not a tessera-checkpoint-v1 file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PyTorch reads a Tessera checkpoint and computes the same loss (recorded fixture)', async () => {
  const { fixtureBatch, fixtureState } = await import('./checkpoint-fixture.ts');
  const { createHash } = await import('node:crypto');
  const { gptForward } = await import('../../src/nn/index.ts');
  const { tensor } = await import('../../src/tensor/index.ts');
  const recorded = JSON.parse(readFileSync(new URL('../golden/checkpoint-roundtrip.json', import.meta.url), 'utf8')) as { checkpointSha256: string; torchLoss: number };
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
  try {
    const state = fixtureState();
    const path = join(dir, 'ckpt.safetensors');
    saveCheckpoint(path, state);
    // The same bytes PyTorch read when the fixture was made (tools/reference/make-checkpoint-fixture.ts).
    assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), recorded.checkpointSha256);
    const b = fixtureBatch();
    const { loss } = gptForward(state.params, state.config.model, tensor(b.inputs, b.shape, { dtype: 'i32' }), tensor(b.targets, b.shape, { dtype: 'i32' }));
    assert.ok(Math.abs(loss!.item() - recorded.torchLoss) / recorded.torchLoss <= 1e-5, `Tessera ${loss!.item()} vs PyTorch ${recorded.torchLoss}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

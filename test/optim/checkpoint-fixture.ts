/**
 * @file The deterministic state behind test/golden/checkpoint-roundtrip.json: a small GPT
 * trained 3 steps on the bundled corpus, and one batch to evaluate it on.
 */
import { readFileSync } from 'node:fs';
import { byteTokenizer, sampleBatch } from '../../src/data/index.ts';
import { adamwDefaults, createTrainState, trainStep, type TrainConfig, type TrainState } from '../../src/optim/index.ts';

const tokens = byteTokenizer().encode(readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 20_000));
export const FIXTURE_CONFIG: TrainConfig = {
  model: { vocabSize: 256, contextLength: 16, numLayers: 2, numHeads: 2, embedDim: 32 },
  seed: 5, batchSize: 2, adamw: adamwDefaults(), gradClip: 1,
  schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 1, totalSteps: 3 },
};

export function fixtureState(): TrainState {
  const state = createTrainState(FIXTURE_CONFIG);
  for (let i = 0; i < 3; i++) trainStep(state, sampleBatch(tokens, { seed: 5, step: i, worker: 0, batchSize: 2, contextLength: 16 }));
  return state;
}

export function fixtureBatch(): { inputs: Int32Array; targets: Int32Array; shape: number[] } {
  const b = sampleBatch(tokens, { seed: 5, step: 99, worker: 0, batchSize: 2, contextLength: 16 });
  return { inputs: b.inputs, targets: b.targets, shape: [2, 16] };
}

/**
 * @file The replay gate's computation: a fixed tiny GPT (initialised from the counter-based
 * PRNG), a fixed batch, forward + backward, hashed. Its hashes are recorded in
 * gpt-reference.json; a change of any bit in init, forward or backward changes them.
 * Re-record deliberately with: npx tsx tools/record-replay.ts
 */
import { deriveKey, hashTensors, randomBits, tensor } from '../../src/tensor/index.ts';
import { gptForward, initGpt, type GptConfig } from '../../src/nn/index.ts';

export const REPLAY_CONFIG: GptConfig = { vocabSize: 64, contextLength: 16, numLayers: 2, numHeads: 2, embedDim: 32 };
export const REPLAY_SEED = 20261122;
const B = 2;
const T = 16;

export interface ReplayRecord {
  paramsHash: string;
  forwardBackwardHash: string;
  loss: number;
}

export function computeReplay(): ReplayRecord {
  const cfg = REPLAY_CONFIG;
  const params = initGpt(cfg, REPLAY_SEED);
  const bits = randomBits(deriveKey(REPLAY_SEED, 'replay-batch'), 2 * B * T);
  const ids = Int32Array.from(bits, (w) => w % cfg.vocabSize);
  const tokens = tensor(ids.subarray(0, B * T), [B, T], { dtype: 'i32' });
  const targets = tensor(ids.subarray(B * T), [B, T], { dtype: 'i32' });
  const paramsHash = params.hash();
  const { logits_BTV, loss } = gptForward(params, cfg, tokens, targets);
  loss!.backward();
  const forwardBackwardHash = hashTensors([
    ['loss', loss!],
    ['logits', logits_BTV],
    ...params.entries.map((e) => [`grad.${e.name}`, params.get(e.name).grad!] as const),
  ]);
  return { paramsHash, forwardBackwardHash, loss: loss!.item() };
}

/**
 * @file Validation loss of a checkpoint over a whole validation split, in non-overlapping
 * windows of contextLength + 1 tokens (the windows tools/reference/train_gpt.py uses), so a
 * Tessera run and a PyTorch run are compared on exactly the same tokens.
 *   npx tsx tools/eval-val.ts --checkpoint runs/tiny/checkpoint.safetensors --data runs/tiny/data
 */
import { parseArgs } from 'node:util';
import { noGrad, tensor, tidy } from '../src/tensor/index.ts';
import { gptForward } from '../src/nn/index.ts';
import { readShards } from '../src/data/index.ts';
import { loadCheckpoint } from '../src/optim/index.ts';

const { values } = parseArgs({ options: { checkpoint: { type: 'string' }, data: { type: 'string' } } });
if (values.checkpoint === undefined || values.data === undefined) throw new Error('usage: eval-val.ts --checkpoint FILE --data DIR');
const state = loadCheckpoint(values.checkpoint);
const { val } = readShards(values.data);
const T = state.config.model.contextLength;
const windows = Math.floor((val.length - 1) / T);
let total = 0;
let count = 0;
for (let start = 0; start < windows; start += 16) {
  const n = Math.min(16, windows - start);
  const inputs = new Int32Array(n * T);
  const targets = new Int32Array(n * T);
  for (let i = 0; i < n; i++) {
    const w = (start + i) * T;
    inputs.set(val.subarray(w, w + T), i * T);
    targets.set(val.subarray(w + 1, w + T + 1), i * T);
  }
  total += tidy(() => noGrad(() => gptForward(state.params, state.config.model, tensor(inputs, [n, T], { dtype: 'i32' }), tensor(targets, [n, T], { dtype: 'i32' })).loss!.item())) * n * T;
  count += n * T;
}
console.log(JSON.stringify({ library: 'tessera', step: state.step, valLoss: total / count, valTokens: count }));

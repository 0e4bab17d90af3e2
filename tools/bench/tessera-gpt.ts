/**
 * @file Tessera's side of the training-step benchmark: the fixtures' GPT trained on the
 * fixtures' batch with forward + backward + AdamW on the wasm backend, printing the same
 * JSON line as the peers in tools/bench/peers/.
 *   npx tsx tools/bench/tessera-gpt.ts --fixtures .tmp/bench/tiny --threads 2 --warmup 3 --steps 10
 */
import { parseArgs } from 'node:util';
import { createNodeWasmBackend, setDefaultBackend, tidy } from '../../src/tensor/index.ts';
import { gptForward } from '../../src/nn/index.ts';
import { adamwStep, initAdamW } from '../../src/optim/adamw.ts';
import { loadBenchFixtures } from './fixtures.ts';

const { values } = parseArgs({
  options: { fixtures: { type: 'string' }, threads: { type: 'string', default: '1' }, warmup: { type: 'string', default: '3' }, steps: { type: 'string', default: '10' } },
});
const dir = values.fixtures ?? '.tmp/bench/tiny';
const threads = Number(values.threads);
const warmup = Number(values.warmup);
const steps = Number(values.steps);
const backend = createNodeWasmBackend({ threads });
setDefaultBackend(backend);
const { preset, params, tokens, targets } = loadBenchFixtures(dir, backend);
const [B, T] = tokens.shape as [number, number];
const grads = new Float32Array(params.size);
const adam = initAdamW(params.size);

const losses: number[] = [];
const times: number[] = [];
let peakRss = 0;
for (let step = 0; step < warmup + steps; step++) {
  const started = performance.now();
  const loss = tidy(() => {
    const { loss } = gptForward(params, preset.model, tokens, targets);
    loss!.backward();
    params.gradFlat(grads);
    params.zeroGrad();
    return loss!.item();
  });
  adamwStep(params.flat, grads, adam, preset, preset.lr);
  const ms = performance.now() - started;
  losses.push(loss);
  if (step >= warmup) times.push(ms);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.error(`step ${step + 1}: loss ${loss.toFixed(4)} ${ms.toFixed(1)} ms`);
}
times.sort((a, b) => a - b);
const msPerStep = times[Math.floor(times.length / 2)]!;
const mem = backend.memoryStats();
console.log(JSON.stringify({
  library: 'tessera', preset: preset.name, threads, steps, msPerStep, tokensPerSecond: (B * T * 1000) / msPerStep, losses, peakRssBytes: peakRss,
  wasmHeapBytes: mem.heapBytes, wasmMemoryBytes: mem.memoryBytes, notes: 'wasm backend, bit-identical to the reference backend',
}));
await backend.close();

/**
 * @file A first look at the engine until `tessera train` exists (issue 4): plain SGD on a
 * small GPT over the bundled Tiny Shakespeare bytes, on the default (wasm) backend. Prints the
 * loss per step and the final parameter hash, which is the same on every machine.
 *   npm run engine-demo [-- --steps 30 --backend wasm|reference --threads N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createNodeWasmBackend, deriveKey, randomBits, referenceBackend, setDefaultBackend, tensor, tidy } from '../src/tensor/index.ts';
import { gptForward, initGpt, type GptConfig } from '../src/nn/index.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '30' }, lr: { type: 'string', default: '0.5' },
    backend: { type: 'string', default: 'wasm' }, threads: { type: 'string' },
  },
});
if (values.backend === 'reference') setDefaultBackend(referenceBackend);
else if (values.backend === 'wasm') setDefaultBackend(createNodeWasmBackend(values.threads === undefined ? {} : { threads: Number(values.threads) }));
else throw new Error(`--backend must be wasm or reference, got ${values.backend}`);
const steps = Number(values.steps);
const lr = Number(values.lr);
if (!Number.isInteger(steps) || steps <= 0 || !(lr > 0)) throw new Error('--steps must be a positive integer and --lr a positive number');

const corpus = readFileSync(new URL('../data/tinyshakespeare.txt', import.meta.url));
const cfg: GptConfig = { vocabSize: 256, contextLength: 32, numLayers: 2, numHeads: 2, embedDim: 64 };
const B = 8;
const T = cfg.contextLength;
const params = initGpt(cfg, 1);
const grad = new Float32Array(params.size);
console.log(`GPT ${JSON.stringify(cfg)}: ${params.size} parameters, batch ${B}x${T} bytes, SGD lr ${lr}, ${values.backend} backend`);

for (let step = 0; step < steps; step++) {
  // Batch = a pure function of (seed, step): B random windows of T+1 bytes.
  const starts = randomBits(deriveKey(1, 'batch', step), B).map((w) => w % (corpus.length - T - 1));
  const window = (shift: number): Int32Array => Int32Array.from({ length: B * T }, (_, i) => corpus[starts[Math.floor(i / T)]! + (i % T) + shift]!);
  const started = performance.now();
  // tidy: the step's temporaries are freed when it returns (the wasm heap stays flat).
  const loss = tidy(() => {
    const { loss } = gptForward(params, cfg, tensor(window(0), [B, T], { dtype: 'i32' }), tensor(window(1), [B, T], { dtype: 'i32' }));
    loss!.backward();
    params.gradFlat(grad);
    params.zeroGrad();
    return loss!.item();
  });
  for (let i = 0; i < params.flat.length; i++) params.flat[i] = Math.fround(params.flat[i]! - Math.fround(lr * grad[i]!));
  console.log(`step ${String(step + 1).padStart(3)}  loss ${loss.toFixed(4)}  ${(performance.now() - started).toFixed(0)} ms`);
}
console.log(`final parameter hash ${params.hash()}`);

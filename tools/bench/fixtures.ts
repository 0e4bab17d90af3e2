/**
 * @file The shared inputs of the training-step benchmark: the preset's configuration, its
 * initial weights (Tessera's GPT-2 init, written as safetensors with Hugging Face GPT-2 names
 * and [in, out] layouts) and one batch of byte tokens from the bundled corpus. Every library
 * in the benchmark loads these, so all run the same model on the same batch.
 *   npx tsx tools/bench/fixtures.ts tiny .tmp/bench   (writes init.safetensors, batch.safetensors, config.json)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey, randomBits, referenceBackend, tensor, type Backend, type Tensor } from '../../src/tensor/index.ts';
import { gptParamShapes, gptSmall, gptTiny, initGpt, ParamStore, readSafetensors, writeSafetensors, type GptConfig } from '../../src/nn/index.ts';

export interface BenchPreset {
  name: 'tiny' | 'small';
  model: GptConfig;
  batchSize: number;
  /** AdamW settings shared by every library. */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export function benchPreset(name: string): BenchPreset {
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
  if (name === 'tiny') return { name, model: gptTiny(), batchSize: 16, ...adam };
  if (name === 'small') return { name, model: gptSmall(), batchSize: 8, ...adam };
  throw new Error(`unknown bench preset '${name}' (tiny, small)`);
}

/** Writes config.json, init.safetensors and batch.safetensors for `preset` into `dir`. */
export function writeBenchFixtures(preset: BenchPreset, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { model, batchSize: B } = preset;
  const T = model.contextLength;
  const params = initGpt(model, 1234, referenceBackend);
  writeFileSync(join(dir, 'init.safetensors'), writeSafetensors(params.entries.map((e) => [e.name, { dtype: 'F32', shape: e.shape, data: params.slice(e.name) }] as const)));
  const corpus = readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url));
  const starts = randomBits(deriveKey(1234, 'bench-batch'), B).map((w) => w % (corpus.length - T - 1));
  const window = (shift: number): Int32Array => Int32Array.from({ length: B * T }, (_, i) => corpus[starts[Math.floor(i / T)]! + (i % T) + shift]!);
  writeFileSync(join(dir, 'batch.safetensors'), writeSafetensors([
    ['tokens', { dtype: 'I32', shape: [B, T], data: window(0) }],
    ['targets', { dtype: 'I32', shape: [B, T], data: window(1) }],
  ]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(preset, null, 2) + '\n');
}

export interface LoadedFixtures {
  preset: BenchPreset;
  params: ParamStore;
  tokens: Tensor;
  targets: Tensor;
}

/** Reads what writeBenchFixtures wrote into tensors on `backend`. */
export function loadBenchFixtures(dir: string, backend: Backend): LoadedFixtures {
  const preset = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as BenchPreset;
  const init = readSafetensors(readFileSync(join(dir, 'init.safetensors')));
  const batch = readSafetensors(readFileSync(join(dir, 'batch.safetensors')));
  const params = new ParamStore(gptParamShapes(preset.model), backend);
  for (const e of params.entries) params.slice(e.name).set(init.tensors.get(e.name)!.data);
  const ids = (name: string): Tensor => {
    const raw = batch.tensors.get(name)!;
    return tensor(raw.data, [...raw.shape], { dtype: 'i32', backend });
  };
  return { preset, params, tokens: ids('tokens'), targets: ids('targets') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name = 'tiny', dir = '.tmp/bench'] = process.argv.slice(2);
  writeBenchFixtures(benchPreset(name), join(dir, name));
  console.log(`wrote ${join(dir, name)}/{config.json,init.safetensors,batch.safetensors}`);
}

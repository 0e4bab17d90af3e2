/**
 * @file What the TypeScript peers of the training-step benchmark share: the command line, the
 * fixtures (config.json, init.safetensors, batch.safetensors from tools/bench/fixtures.ts) and
 * the one JSON line each prints at the end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../../src/nn/index.ts';
import type { BenchPreset } from '../fixtures.ts';

export interface PeerArgs {
  fixtures: string;
  threads: number;
  warmup: number;
  steps: number;
}

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): PeerArgs {
  const out: PeerArgs = { fixtures: '', threads: 1, warmup: 3, steps: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value after ${key}`);
    if (key === '--fixtures') out.fixtures = value;
    else if (key === '--threads' || key === '--warmup' || key === '--steps') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${key} wants a non-negative integer, got '${value}'`);
      out[key.slice(2) as 'threads' | 'warmup' | 'steps'] = n;
    } else throw new Error(`unknown option ${key} (--fixtures <dir> --threads <n> --warmup <w> --steps <s>)`);
  }
  if (!out.fixtures) throw new Error('--fixtures <dir> is required');
  return out;
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface Fixtures {
  config: BenchPreset;
  /** Initial weights by Hugging Face GPT-2 name, in the order of `paramNames`. */
  params: Map<string, Tensor>;
  tokens: Int32Array;
  targets: Int32Array;
  B: number;
  T: number;
  /** Model width, heads, head width, vocabulary, and the parameter names in order. */
  C: number;
  H: number;
  D: number;
  V: number;
  names: string[];
}

/** The parameter names of the model, in a fixed order (wte, wpe, the layers, ln_f). */
export function paramNames(numLayers: number): string[] {
  const names = ['wte.weight', 'wpe.weight'];
  for (let l = 0; l < numLayers; l++) {
    for (const n of ['ln_1', 'attn.c_attn', 'attn.c_proj', 'ln_2', 'mlp.c_fc', 'mlp.c_proj']) names.push(`h.${l}.${n}.weight`, `h.${l}.${n}.bias`);
  }
  names.push('ln_f.weight', 'ln_f.bias');
  return names;
}

export function loadFixtures(dir: string): Fixtures {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as BenchPreset;
  const init = readSafetensors(readFileSync(join(dir, 'init.safetensors'))).tensors;
  const batch = readSafetensors(readFileSync(join(dir, 'batch.safetensors'))).tensors;
  const params = new Map<string, Tensor>();
  for (const name of paramNames(config.model.numLayers)) {
    const t = init.get(name);
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`init.safetensors: no F32 tensor '${name}'`);
    params.set(name, { shape: [...t.shape], data: t.data });
  }
  const int = (name: string): { shape: readonly number[]; data: Int32Array } => {
    const t = batch.get(name);
    if (!t || !(t.data instanceof Int32Array)) throw new Error(`batch.safetensors: no I32 tensor '${name}'`);
    return { shape: t.shape, data: t.data };
  };
  const tokens = int('tokens');
  const [B = 0, T = 0] = tokens.shape;
  const { embedDim: C, numHeads: H, vocabSize: V, numLayers } = config.model;
  return { config, params, tokens: tokens.data, targets: int('targets').data, B, T, C, H, D: C / H, V, names: paramNames(numLayers) };
}

/** Times `steps` calls of `step` after `warmup` untimed ones; `step` returns the step's loss. */
export async function runSteps(args: PeerArgs, step: (i: number) => Promise<number>): Promise<{ losses: number[]; msPerStep: number; peakRssBytes: number }> {
  const losses: number[] = [];
  const times: number[] = [];
  let peakRssBytes = process.memoryUsage().rss;
  for (let i = 0; i < args.warmup + args.steps; i++) {
    const t0 = performance.now();
    const loss = await step(i);
    const ms = performance.now() - t0;
    losses.push(loss);
    if (i >= args.warmup) times.push(ms);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    console.error(`step ${i}: loss ${loss.toFixed(6)} ${ms.toFixed(1)} ms rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  }
  return { losses, msPerStep: median(times), peakRssBytes };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function printResult(library: string, fx: Fixtures, args: PeerArgs, r: { losses: number[]; msPerStep: number; peakRssBytes: number }, notes: string): void {
  console.log(JSON.stringify({
    library,
    preset: fx.config.name,
    threads: args.threads,
    steps: args.steps,
    msPerStep: r.msPerStep,
    tokensPerSecond: (fx.B * fx.T * 1000) / r.msPerStep,
    losses: r.losses,
    peakRssBytes: r.peakRssBytes,
    notes,
  }));
}

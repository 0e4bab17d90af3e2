/**
 * @file Shared test helpers: seeded inputs, finite-difference gradient checks, error
 * measures, and the golden-file loader.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey, normal, tensor, uniform, type Tensor } from '../src/tensor/index.ts';
import { readSafetensors, type RawTensor } from '../src/nn/index.ts';

/** Seeded N(0, scale^2) input of a shape. */
export function randn(shape: number[], name: string, scale = 1): Tensor {
  return normal(deriveKey(777, 'test', name), shape, 0, scale);
}

/** Seeded uniform input in [low, high). */
export function rand(shape: number[], name: string, low: number, high: number): Tensor {
  return uniform(deriveKey(777, 'test', name), shape, low, high);
}

/** Distinct values spaced `gap` apart, shuffled: inputs for max/where away from ties. */
export function spaced(shape: number[], name: string, gap = 0.25): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = Array.from(uniform(deriveKey(777, 'spaced', name), [n]).toArray()).map((u, i) => [u, i] as const);
  order.sort((a, b) => a[0] - b[0]);
  const values = new Float32Array(n);
  order.forEach(([, i], rank) => (values[i] = (rank - n / 2) * gap));
  return tensor(values, shape);
}

/** max|a - b| / max(max|b|, floor): the per-tensor relative error used against PyTorch. */
export function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-6): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

export interface GradCheckResult {
  /** Worst |numeric - analytic| / (atol + rtol * |analytic|) over the checked elements; <= 1 passes. */
  worst: number;
  where: string;
}

/**
 * Compares autograd with central finite differences of L = sum(f(inputs) * W) for a fixed
 * random W. L is summed in float64 from the f32 outputs to keep rounding noise small.
 * Checks up to `maxPerInput` elements of each input that requires grad.
 */
export function gradCheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: { h?: number; rtol?: number; atol?: number; maxPerInput?: number } = {},
): GradCheckResult {
  const { h = 1e-2, rtol = 2e-2, atol = 2e-3, maxPerInput = 24 } = opts;
  const leaves = inputs.map((x) => (x.dtype === 'f32' ? x.detach().clone().requireGrad() : x));
  const out = f(...leaves);
  const weights = randn([...out.shape], 'gradcheck-weights').toArray();
  out.backward(tensor(weights, [...out.shape]));
  const lossAt = (xs: Tensor[]): number => {
    const y = f(...xs).toArray();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * weights[i]!;
    return s;
  };
  let worst = 0;
  let where = '';
  leaves.forEach((leaf, k) => {
    if (!leaf.requiresGrad) return;
    const base = leaf.toArray() as Float32Array;
    const analytic = leaf.grad!.toArray();
    const step = Math.max(1, Math.floor(base.length / maxPerInput));
    for (let i = 0; i < base.length; i += step) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] = base[i]! + h;
      minus[i] = base[i]! - h;
      const at = (v: Float32Array): Tensor[] => leaves.map((x, j) => (j === k ? tensor(v, [...x.shape]) : x.detach()));
      const numeric = (lossAt(at(plus)) - lossAt(at(minus))) / (plus[i]! - minus[i]!);
      const score = Math.abs(numeric - analytic[i]!) / (atol + rtol * Math.abs(analytic[i]!));
      if (score > worst) {
        worst = score;
        where = `input ${k} element ${i}: numeric ${numeric}, analytic ${analytic[i]}`;
      }
    }
  });
  return { worst, where };
}

/** Loads a golden safetensors file from test/golden. */
export function loadGolden(name: string): { tensors: ReadonlyMap<string, RawTensor>; metadata: Record<string, string> } {
  const file = readSafetensors(readFileSync(new URL(`./golden/${name}`, import.meta.url)));
  return { tensors: file.tensors, metadata: { ...file.metadata } };
}

/** A golden tensor as a Tensor (F32 or I32). */
export function goldenTensor(tensors: ReadonlyMap<string, RawTensor>, name: string): Tensor {
  const raw = tensors.get(name);
  if (raw === undefined) throw new Error(`golden tensor '${name}' is missing: regenerate with npm run golden`);
  if (raw.dtype === 'F64') throw new Error(`golden tensor '${name}' is F64`);
  return tensor(raw.data, [...raw.shape], { dtype: raw.dtype === 'F32' ? 'f32' : 'i32' });
}

/** GPT-2's reversible map from bytes to printable characters. */
function byteAlphabet(): string[] {
  const keep = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(keep(b) ? b : 256 + extra++));
}

/** Writes a small byte-level BPE tokenizer.json (GPT-2's byte alphabet + 5 merges, 261 ids) into `dir`. */
export function writeByteLevelBpe(dir: string): string {
  const vocab: Record<string, number> = {};
  byteAlphabet().forEach((ch, i) => (vocab[ch] = i));
  const merges = ['t h', 'th e', '\u0120 c', '\u0120c a', '\u0120ca t'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const json = {
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  const path = join(dir, 'tokenizer.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}


/** mulberry32: a tiny seeded generator for tests that must not depend on the tensor layer (a failing fuzz case can be replayed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Run the `tessera` command as a process; returns its exit code and output. */
export function runTessera(args: string[], timeoutMs = 300_000): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [new URL('../bin/tessera.mjs', import.meta.url).pathname, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

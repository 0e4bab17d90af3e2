/**
 * @file `npm run bench`: the CPU benchmark of docs/results/cpu.md, in one run so ratios are
 * measured side by side:
 *   1. the unfused SIMD128 ceiling of this machine (k_peak probe) at 1 and all threads;
 *   2. matmul GFLOP/s at square sizes and at the GPT presets' real shapes;
 *   3. training-step tokens/s (forward + backward + AdamW) for the tiny and small presets in
 *      Tessera, PyTorch and the TypeScript peers, on the same weights and batch.
 * Options: --presets tiny,small  --steps N  --warmup N  --skip-peers  --out FILE (markdown)
 *   --torch-blas auto|reference|openblas|both: which BLAS PyTorch runs with (auto: OpenBLAS
 *   when unpacked as tools/bench/peers/README.md says, else the system's).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNodeWasmBackend, deriveKey, normal, tidy, type WasmBackend } from '../../src/tensor/index.ts';
import { benchPreset, writeBenchFixtures } from './fixtures.ts';

const { values } = parseArgs({
  options: {
    presets: { type: 'string', default: 'tiny,small' }, steps: { type: 'string', default: '10' }, warmup: { type: 'string', default: '3' },
    'skip-peers': { type: 'boolean', default: false }, out: { type: 'string' },
    'torch-blas': { type: 'string', default: 'auto' },
  },
});
const maxThreads = availableParallelism();
const threadCounts = [...new Set([1, maxThreads])];
const lines: string[] = [];
const say = (line = ''): void => {
  lines.push(line);
  console.log(line);
};

function bestMs(fn: () => void, repeats: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

say(`# CPU benchmark`);
say();
say(`- date: ${new Date().toISOString()}`);
say(`- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${maxThreads} cores, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
say(`- node ${process.version}; command: npm run bench -- ${process.argv.slice(2).join(' ')}`);
say();

// 1 and 2: ceiling and matmul, per thread count.
const ceilings = new Map<number, number>();
const squares = [128, 256, 512, 1024].map((n) => [n, n, n] as const);
const gptShapes: Array<readonly [number, number, number, string]> = [
  [2048, 128, 384, 'tiny qkv'], [2048, 128, 512, 'tiny fc'], [2048, 512, 128, 'tiny proj (fc back)'], [2048, 128, 256, 'tiny head'],
  [2048, 384, 1152, 'small qkv'], [2048, 384, 1536, 'small fc'], [2048, 1536, 384, 'small proj'], [2048, 384, 256, 'small head'],
];
const matmulRows: string[][] = [];
for (const threads of threadCounts) {
  const backend: WasmBackend = createNodeWasmBackend({ threads });
  const iterations = 4_000_000;
  const ms = bestMs(() => backend.peakProbe(iterations, threads), 5);
  const ceiling = (48 * iterations * threads) / ms / 1e6;
  ceilings.set(threads, ceiling);
  // Warm up: V8 first runs wasm in its baseline compiler and swaps in optimised code later.
  const wa = normal(deriveKey(1, 'warm'), [256, 256], 0, 1, { backend });
  for (let i = 0; i < 20; i++) tidy(() => void wa.matmul(wa), backend);
  const shapes = [...squares.map(([m, k, n]) => [m, k, n, `${m}^3`] as const), ...gptShapes];
  shapes.forEach(([M, K, N, label], i) => {
    const a = normal(deriveKey(1, 'a', M, K), [M, K], 0, 1, { backend });
    const b = normal(deriveKey(1, 'b', K, N), [K, N], 0, 1, { backend });
    const t = bestMs(() => tidy(() => void a.matmul(b), backend), 5);
    const gflops = (2 * M * K * N) / t / 1e6;
    matmulRows[i] ??= [`${label} (${M}x${K}x${N})`];
    matmulRows[i]!.push(`${gflops.toFixed(1)} (${((100 * gflops) / ceiling).toFixed(0)}%)`);
  });
  await backend.close();
}
say(`## Unfused SIMD128 ceiling (k_peak: 6 independent f32x4.mul chains + 6 f32x4.add chains, no memory traffic)`);
say();
for (const [threads, c] of ceilings) say(`- ${threads} thread(s): ${c.toFixed(1)} GFLOP/s`);
say();
say(`## Matmul, GFLOP/s (% of the measured ceiling at that thread count)`);
say();
say(`| shape | ${threadCounts.map((t) => `${t} thread(s)`).join(' | ')} |`);
say(`|---|${threadCounts.map(() => '---').join('|')}|`);
for (const row of matmulRows) say(`| ${row.join(' | ')} |`);
say();

// 3: training steps.
interface StepResult {
  library: string;
  threads: number;
  msPerStep: number;
  tokensPerSecond: number;
  losses: number[];
  peakRssBytes?: number;
  wasmHeapBytes?: number;
  notes?: string;
}
const OPENBLAS_DIR = join(process.cwd(), '.tmp/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread');
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
function runStep(cmd: string, args: string[]): StepResult | string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60 * 1000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as StepResult;
  } catch {
    return `failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
  }
}
const steps = values.steps!;
const warmup = values.warmup!;
for (const name of values.presets!.split(',')) {
  const preset = benchPreset(name);
  const dir = join('.tmp', 'bench', name);
  writeBenchFixtures(preset, dir);
  const common = ['--fixtures', dir, '--warmup', warmup, '--steps', steps];
  const tsx = ['--import', 'tsx'];
  const runs: Array<[string, number, () => StepResult | string]> = [];
  for (const threads of threadCounts) {
    runs.push(['tessera', threads, () => runStep(process.execPath, [...tsx, 'tools/bench/tessera-gpt.ts', ...common, '--threads', String(threads)])]);
    if (values['skip-peers']) continue;
    if (hasTorch) {
      const torch = ['tools/bench/peers/torch_gpt.py', ...common, '--threads', String(threads)];
      // Debian's python3-torch alone links the netlib reference BLAS; OpenBLAS unpacked from
      // libopenblas0-pthread (tools/bench/peers/README.md) shows PyTorch with a real BLAS.
      const blas = values['torch-blas'] === 'auto' ? (existsSync(OPENBLAS_DIR) ? 'openblas' : 'reference') : values['torch-blas'];
      if (blas === 'reference' || blas === 'both') runs.push(['pytorch', threads, () => runStep('/usr/bin/python3', torch)]);
      if (blas === 'openblas' || blas === 'both') runs.push(['pytorch+openblas', threads, () => runStep('/usr/bin/env', [`LD_LIBRARY_PATH=${OPENBLAS_DIR}`, '/usr/bin/python3', ...torch])]);
    }
    if (existsSync('tools/bench/peers/jaxjs-gpt.ts')) runs.push(['jax-js', threads, () => runStep(process.execPath, [...tsx, 'tools/bench/peers/jaxjs-gpt.ts', ...common, '--threads', String(threads)])]);
    // tfjs-wasm is single-threaded in Node and takes over a minute per small step: tiny only.
    if (existsSync('tools/bench/peers/tfjs-gpt.ts') && threads === 1 && name === 'tiny') runs.push(['tfjs-wasm', threads, () => runStep(process.execPath, [...tsx, 'tools/bench/peers/tfjs-gpt.ts', ...common, '--threads', String(threads)])]);
  }
  const results = runs.map(([lib, threads, run]) => {
    console.error(`running ${lib} ${name} threads=${threads}...`);
    return [lib, threads, run()] as const;
  });
  const tessera = new Map(results.filter(([lib]) => lib === 'tessera').map(([, t, r]) => [t, r]));
  say(`## Training step: ${name} (B=${preset.batchSize}, T=${preset.model.contextLength}, L=${preset.model.numLayers}, C=${preset.model.embedDim}), forward + backward + AdamW`);
  say();
  say(`| library | threads | ms/step | tokens/s | Tessera speed / this | first loss | last loss | peak RSS MiB | notes |`);
  say(`|---|---|---|---|---|---|---|---|---|`);
  for (const [lib, threads, r] of results) {
    if (typeof r === 'string') {
      say(`| ${lib} | ${threads} | - | - | - | - | - | - | ${r} |`);
      continue;
    }
    const ours = tessera.get(threads);
    const ratio = typeof ours === 'object' ? (ours.tokensPerSecond / r.tokensPerSecond).toFixed(2) : '-';
    const heap = r.wasmHeapBytes !== undefined ? ` (wasm heap ${(r.wasmHeapBytes / 2 ** 20).toFixed(0)})` : '';
    say(`| ${lib} | ${r.threads} | ${r.msPerStep.toFixed(1)} | ${r.tokensPerSecond.toFixed(0)} | ${ratio} | ${r.losses[0]?.toFixed(4)} | ${r.losses.at(-1)?.toFixed(4)} | ${((r.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)}${heap} | ${r.notes ?? ''} |`);
  }
  say();
}
if (values.out !== undefined) writeFileSync(values.out, lines.join('\n') + '\n');

/**
 * @file Where does a training step's time go? Times every backend call of a GPT step by
 * kernel (wall time, including thread hand-off) and prints a table.
 *   npx tsx tools/bench/profile-step.ts --fixtures .tmp/bench/tiny --threads 1 [--shapes]
 */
import { parseArgs } from 'node:util';
import { createNodeWasmBackend, setDefaultBackend, tidy, type Backend } from '../../src/tensor/index.ts';
import { gptForward } from '../../src/nn/index.ts';
import { loadBenchFixtures } from './fixtures.ts';

const { values } = parseArgs({ options: { fixtures: { type: 'string' }, threads: { type: 'string', default: '1' }, shapes: { type: 'boolean', default: false } } });
const dir = values.fixtures ?? '.tmp/bench/tiny';
const inner = createNodeWasmBackend({ threads: Number(values.threads) });
/** "batches x M x K x N (a strides / b strides)" of a matmul call. */
function matmulKey(args: unknown[]): string {
  const [, a, b] = args as [unknown, { shape: number[]; strides: number[] }, { shape: number[]; strides: number[] }];
  const nd = a.shape.length;
  const batches = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return `${batches}x${a.shape[nd - 2]}x${a.shape[nd - 1]}x${b.shape[nd - 1]} a[${a.strides.slice(-2)}] b[${b.strides.slice(-2)}]`;
}
const totals = new Map<string, { ms: number; calls: number }>();
const timed = new Proxy(inner, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown;
    if (typeof value !== 'function' || typeof prop !== 'string' || ['alloc', 'pushScope', 'popScope', 'memoryStats', 'close'].includes(prop)) return value;
    return (...args: unknown[]) => {
      const t0 = performance.now();
      const out = (value as (...a: unknown[]) => unknown).apply(target, args);
      const key = prop === 'matmul' && process.argv.includes('--shapes') ? `matmul ${matmulKey(args)}` : prop;
      const entry = totals.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - t0;
      entry.calls++;
      totals.set(key, entry);
      return out;
    };
  },
}) as Backend;
setDefaultBackend(timed);
const { preset, params, tokens, targets } = loadBenchFixtures(dir, timed);
const step = (): number => tidy(() => {
  const { loss } = gptForward(params, preset.model, tokens, targets);
  loss!.backward();
  params.zeroGrad();
  return loss!.item();
});
for (let i = 0; i < 3; i++) step();
totals.clear();
const runs = 5;
const t0 = performance.now();
for (let i = 0; i < runs; i++) step();
const total = (performance.now() - t0) / runs;
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
let kernelMs = 0;
console.log(`step (forward + backward, no optimizer): ${total.toFixed(1)} ms`);
for (const [name, { ms, calls }] of rows) {
  kernelMs += ms / runs;
  console.log(`${name.padEnd(22)} ${(ms / runs).toFixed(1).padStart(8)} ms  ${String(calls / runs).padStart(5)} calls`);
}
console.log(`${'(outside kernels)'.padEnd(22)} ${(total - kernelMs).toFixed(1).padStart(8)} ms`);
await inner.close();

/**
 * @file Prints the measured errors of Tessera against the PyTorch golden vectors (the
 * numbers quoted in docs/numerics.md): npx tsx tools/golden-report.ts
 */
import { runGoldenCase, runGptGolden } from '../test/golden-cases.ts';
import { loadGolden } from '../test/helpers.ts';

const { tensors, metadata } = loadGolden('ops.safetensors');
const cases = JSON.parse(metadata['cases']!) as Array<{ name: string; inputs: number }>;
const fmt = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
console.log('| op | tolerance | output rel. error | input gradients rel. error |');
console.log('|---|---|---|---|');
for (const { name, inputs } of cases) {
  const r = runGoldenCase(tensors, name, inputs);
  console.log(`| ${name} | ${fmt(r.tol)} | ${fmt(r.out)} | ${r.grads.map(fmt).join(', ')} |`);
}
const gpt = runGptGolden();
const worst = gpt.grads.reduce((a, b) => (b[1] > a[1] ? b : a));
console.log(`\n2-layer GPT: loss rel. error ${fmt(gpt.loss)} (Tessera vs PyTorch f64: ${fmt(gpt.lossVsF64)}; PyTorch f32 vs f64: ${fmt(gpt.lossF64VsTorchF32)}), logits ${fmt(gpt.logits)}, worst gradient ${fmt(worst[1])} (${worst[0]}), median gradient ${fmt(gpt.grads.map((g) => g[1]).sort((a, b) => a - b)[14]!)}`);

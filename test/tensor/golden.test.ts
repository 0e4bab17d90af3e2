/**
 * Tessera against PyTorch golden vectors (tools/reference/gen_golden.py): every op's
 * output and input gradients, and a 2-layer GPT's loss, logits and parameter gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GOLDEN_CASES, runGoldenCase, runGptGolden } from '../golden-cases.ts';
import { loadGolden } from '../helpers.ts';

const { tensors, metadata } = loadGolden('ops.safetensors');
const cases = JSON.parse(metadata['cases']!) as Array<{ name: string; inputs: number }>;

test('every golden case has a TypeScript counterpart and vice versa', () => {
  assert.deepEqual(cases.map((c) => c.name).sort(), Object.keys(GOLDEN_CASES).sort());
});

for (const { name, inputs } of cases) {
  test(`${name} matches PyTorch (output and gradients)`, () => {
    const r = runGoldenCase(tensors, name, inputs);
    assert.ok(r.out <= r.tol, `${name} output: relative error ${r.out} > ${r.tol}`);
    r.grads.forEach((e, i) => assert.ok(e <= r.tol, `${name} gradient ${i}: relative error ${e} > ${r.tol}`));
  });
}

test('2-layer GPT: loss within 1e-5 and every gradient within 1e-4 of PyTorch', () => {
  const r = runGptGolden();
  assert.ok(r.loss <= 1e-5, `loss relative error ${r.loss}`);
  assert.ok(r.logits <= 1e-5, `logits relative error ${r.logits}`);
  assert.equal(r.grads.length, 28);
  for (const [name, e] of r.grads) assert.ok(e <= 1e-4, `grad of ${name}: relative error ${e}`);
});

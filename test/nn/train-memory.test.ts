/**
 * A training step on the wasm backend inside `tidy` reuses its buffers: after the first
 * steps, the heap's high-water mark and its live bytes stay flat over 100 steps. And a
 * buffer freed by its scope is refused if used again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeWasmBackend, deriveKey, randomBits, tensor, tidy } from '../../src/tensor/index.ts';
import { gptForward, initGpt, type GptConfig } from '../../src/nn/index.ts';
import { adamwDefaults, adamwStep, initAdamW } from '../../src/optim/adamw.ts';

test('memory stays flat over 100 training steps', async () => {
  const backend = createNodeWasmBackend({ threads: 2 });
  try {
    const cfg: GptConfig = { vocabSize: 64, contextLength: 16, numLayers: 2, numHeads: 2, embedDim: 32 };
    const params = initGpt(cfg, 7, backend);
    const ids = Int32Array.from(randomBits(deriveKey(7, 'mem'), 2 * 4 * 16), (w) => w % 64);
    const tokens = tensor(ids.subarray(0, 64), [4, 16], { dtype: 'i32', backend });
    const targets = tensor(ids.subarray(64), [4, 16], { dtype: 'i32', backend });
    const grads = new Float32Array(params.size);
    const adam = initAdamW(params.size);
    const heap: number[] = [];
    const live: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) {
      losses.push(tidy(() => {
        const { loss } = gptForward(params, cfg, tokens, targets);
        loss!.backward();
        params.gradFlat(grads);
        params.zeroGrad();
        return loss!.item();
      }, backend));
      adamwStep(params.flat, grads, adam, adamwDefaults(), 3e-3);
      heap.push(backend.memoryStats().heapBytes);
      live.push(backend.memoryStats().liveBytes);
    }
    assert.ok(losses[99]! < losses[0]! - 1, `the model should learn its one batch: ${losses[0]} -> ${losses[99]}`);
    assert.equal(heap[99], heap[2], `heap grew from ${heap[2]} to ${heap[99]} bytes`);
    assert.equal(live[99], live[2], `live bytes went from ${live[2]} to ${live[99]}`);
  } finally {
    await backend.close();
  }
});

test('a tensor whose scope ended is refused with DisposedBufferError', async () => {
  const backend = createNodeWasmBackend({ threads: 1 });
  try {
    const kept = tidy(() => tensor([1, 2, 3], [3], { backend }).mul(2), backend);
    assert.deepEqual(Array.from(kept.toArray()), [2, 4, 6]); // returned, so kept
    let inner: ReturnType<typeof tensor> | undefined;
    tidy(() => {
      inner = tensor([4, 5], [2], { backend }).add(1);
    }, backend);
    assert.throws(() => inner!.add(1), (err: Error) => err.name === 'DisposedBufferError');
  } finally {
    await backend.close();
  }
});

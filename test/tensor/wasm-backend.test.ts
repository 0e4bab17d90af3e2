/**
 * The wasm backend's own behaviour: settings are validated, a failing kernel on a worker
 * thread surfaces as a BackendError instead of hanging, and the pool keeps working after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeWasmBackend, tensor } from '../../src/tensor/index.ts';

test('thread counts outside [1, 64] are refused with a BackendError', () => {
  for (const threads of [0, -1, 1.5, 65]) {
    assert.throws(() => createNodeWasmBackend({ threads }), (err: Error) => err.name === 'BackendError' && err.message.includes(`${threads}`));
  }
});

test('a kernel that traps on a worker thread is reported, and the pool stays usable', async () => {
  const backend = createNodeWasmBackend({ threads: 2, alwaysParallel: true });
  try {
    const rows = 8192;
    const table = backend.alloc('f32', 4) as Float32Array;
    const out = backend.alloc('f32', rows * 4) as Float32Array;
    const idx = backend.alloc('i32', rows) as Int32Array;
    idx[rows - 1] = 2 ** 26; // 1 GiB in: the second thread's share reads far outside the memory
    assert.throws(() => backend.gather(out, table, idx, 4), (err: Error) => err.name === 'BackendError' && /k_gather failed on thread 1/.test(err.message));
    const x = tensor([1, 2, 3], [3], { backend });
    assert.deepEqual(Array.from(x.mul(x).toArray()), [1, 4, 9]);
    idx[0] = 2 ** 26; // now the calling thread's share traps too
    assert.throws(() => backend.gather(out, table, idx, 4), (err: Error) => err.name === 'BackendError' && /k_gather failed on thread 0/.test(err.message));
    assert.deepEqual(Array.from(x.add(x).toArray()), [2, 4, 6]);
  } finally {
    await backend.close();
  }
});

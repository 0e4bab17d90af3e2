// A kernel thread of the wasm backend. Plain JavaScript with no Node-only API except the
// two lines that receive the start message, so a browser Web Worker can run the same loop.
//
// Protocol (Int32Array `ctrl` over the shared memory, see pool.ts): the main thread writes
// the job (kernel index, thread count) and the arguments, then bumps this worker's go word
// and notifies it; the worker runs its share and increments DONE, notifying the main thread.
import { workerData } from 'node:worker_threads';

const { module, memory, tid, ctrlAddr, argsAddr, scratchAddr, kernelNames, spinIterations } = workerData;
const CTRL_DONE = 0;
const CTRL_KERNEL = 1;
const CTRL_THREADS = 2;
const CTRL_ERROR = 3; // 1 + the tid of a worker whose kernel threw
const CTRL_STARTED = 4; // workers that picked up the current job
const CTRL_GO = 8; // go words: CTRL_GO + tid
const STOP = -1;

const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
const kernels = kernelNames.map((name) => instance.exports[name]);
const ctrl = new Int32Array(memory.buffer, ctrlAddr, 64);
const goIndex = CTRL_GO + tid;
// Go words start at 0 and only ever increase: a worker that boots after its first job was
// posted sees a non-zero word and runs that job at once.
let seen = 0;

for (;;) {
  let spins = 0;
  while (Atomics.load(ctrl, goIndex) === seen) {
    if (++spins > spinIterations) {
      Atomics.wait(ctrl, goIndex, seen);
      spins = 0;
    }
  }
  seen = Atomics.load(ctrl, goIndex);
  const kernel = Atomics.load(ctrl, CTRL_KERNEL);
  if (kernel === STOP) break;
  Atomics.add(ctrl, CTRL_STARTED, 1);
  try {
    kernels[kernel](tid, Atomics.load(ctrl, CTRL_THREADS), argsAddr, scratchAddr);
  } catch {
    // Report instead of dying: the caller is blocked waiting for DONE and could not
    // receive an error event; it throws a BackendError when it sees the flag.
    Atomics.store(ctrl, CTRL_ERROR, tid + 1);
  }
  Atomics.add(ctrl, CTRL_DONE, 1);
  Atomics.notify(ctrl, CTRL_DONE);
}

/**
 * @file The kernel thread pool: `threads - 1` workers plus the calling thread, all
 * running kernels of one WebAssembly module over one shared memory.
 *
 * A call writes its arguments to the argument area, wakes only the workers it needs
 * (each has its own go word, so an idle worker can never pick up a job meant for others),
 * runs share 0 itself and waits for the rest. Which thread computes which output element
 * never changes a bit (each kernel keeps every element's own operation order), so the
 * thread count only changes speed.
 */
import { Worker } from 'node:worker_threads';
import { BackendError } from '../../errors.ts';
import { ARGS_ADDR, ARGS_BYTES, CONTROL_ADDR, SCRATCH_BYTES, SCRATCH_START } from './memory.ts';

const CTRL_DONE = 0;
const CTRL_KERNEL = 1;
const CTRL_THREADS = 2;
const CTRL_ERROR = 3;
const CTRL_STARTED = 4;
const CTRL_GO = 8;
/** A worker that has not even picked up its job after this long is presumed dead. */
const START_TIMEOUT_MS = 30_000;
const STOP = -1;
/** Busy-wait iterations before sleeping: about tens of microseconds, which covers the gap between kernels of one step. */
const SPIN_ITERATIONS = 20000;

export type KernelFn = (tid: number, nt: number, args: number, scratch: number) => void;

export class KernelPool {
  readonly threads: number;
  readonly #kernels: KernelFn[];
  readonly #names: readonly string[];
  readonly #ctrl: Int32Array;
  readonly #workers: Worker[] = [];
  /** The i32 argument slots of the next call (valid until that call returns). */
  readonly args: Int32Array;

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, names: readonly string[], threads: number) {
    this.threads = threads;
    this.#names = names;
    this.#kernels = names.map((n) => instance.exports[n] as KernelFn);
    this.#ctrl = new Int32Array(memory.buffer, CONTROL_ADDR, 64);
    // Views of low addresses stay valid when a shared memory grows.
    this.args = new Int32Array(memory.buffer, ARGS_ADDR, ARGS_BYTES / 4);
  }

  /**
   * Starts the workers. Returns at once: a worker that is still booting finds its go word
   * already bumped and runs its first job when it gets there.
   */
  static start(module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, names: readonly string[], threads: number): KernelPool {
    const pool = new KernelPool(instance, memory, names, threads);
    for (let tid = 1; tid < threads; tid++) {
      const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
        // Plain JavaScript needs no loader; inherited preloads (tsx, test setup) would make
        // each kernel thread load the project, and loaders can stall while we block.
        execArgv: [],
        workerData: {
          module, memory, tid, ctrlAddr: CONTROL_ADDR, argsAddr: ARGS_ADDR,
          scratchAddr: SCRATCH_START + tid * SCRATCH_BYTES, kernelNames: names, spinIterations: SPIN_ITERATIONS,
        },
      });
      worker.on('error', (err) => {
        throw err; // a worker that cannot even start would hang the next call: fail loudly
      });
      worker.unref(); // kernel threads never keep a process alive
      pool.#workers.push(worker);
    }
    return pool;
  }

  /** Runs kernel `index` on `nt` threads (1 = only the calling thread) and waits for all. */
  run(index: number, nt: number): void {
    const n = Math.max(1, Math.min(nt, this.threads));
    if (n === 1) {
      this.#runShare(index, 0, 1);
      return;
    }
    const ctrl = this.#ctrl;
    Atomics.store(ctrl, CTRL_DONE, 0);
    Atomics.store(ctrl, CTRL_STARTED, 0);
    Atomics.store(ctrl, CTRL_KERNEL, index);
    Atomics.store(ctrl, CTRL_THREADS, n);
    for (let tid = 1; tid < n; tid++) {
      Atomics.add(ctrl, CTRL_GO + tid, 1);
      Atomics.notify(ctrl, CTRL_GO + tid);
    }
    let mainError: unknown;
    try {
      this.#runShare(index, 0, n);
    } catch (err) {
      mainError = err; // still wait: the workers are reading this call's arguments
    }
    let spins = 0;
    let waitingSince = 0;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL_DONE);
      if (done === n - 1) break;
      if (++spins > SPIN_ITERATIONS) {
        Atomics.wait(ctrl, CTRL_DONE, done, 1);
        if (Atomics.load(ctrl, CTRL_STARTED) < n - 1) {
          waitingSince ||= Date.now();
          if (Date.now() - waitingSince > START_TIMEOUT_MS) {
            throw new BackendError(`wasm kernel threads did not start within ${START_TIMEOUT_MS} ms (${Atomics.load(ctrl, CTRL_STARTED)} of ${n - 1})`);
          }
        }
      }
    }
    const failed = Atomics.exchange(ctrl, CTRL_ERROR, 0);
    if (mainError !== undefined) throw mainError;
    if (failed !== 0) throw new BackendError(`wasm kernel ${this.#names[index]} failed on thread ${failed - 1}`);
  }

  /** Runs share `tid` on the calling thread; a trap (out-of-bounds access) becomes a BackendError. */
  #runShare(index: number, tid: number, nt: number): void {
    try {
      this.#kernels[index]!(tid, nt, ARGS_ADDR, SCRATCH_START);
    } catch (err) {
      throw new BackendError(`wasm kernel ${this.#names[index]} failed on thread ${tid}: ${(err as Error).message}`);
    }
  }

  /** Stops the workers. */
  async stop(): Promise<void> {
    Atomics.store(this.#ctrl, CTRL_KERNEL, STOP);
    for (let tid = 1; tid < this.threads; tid++) {
      Atomics.add(this.#ctrl, CTRL_GO + tid, 1);
      Atomics.notify(this.#ctrl, CTRL_GO + tid);
    }
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

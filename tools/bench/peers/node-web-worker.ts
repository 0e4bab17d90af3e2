/**
 * @file A Web-Worker-like global `Worker` over node:worker_threads, enough for jax-js's wasm
 * worker pool (it builds its worker from a blob: URL, talks through onmessage/postMessage and
 * shares one WebAssembly.Memory). Node 20 has no `Worker` or `navigator`, so without this the
 * jax-js wasm backend runs every kernel on the main thread. Install it BEFORE importing jax-js:
 * the backend decides at module load whether to use a pool and sizes it from
 * navigator.hardwareConcurrency.
 */
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';

/** Runs in the worker thread: gives the browser globals the worker source expects, holds
 * messages until the source (read asynchronously from the blob) arrives, then evaluates it. */
const BOOTSTRAP = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
let held = [];
parentPort.on('message', (data) => {
  if (held === null) return self.onmessage({ data });
  if (data && typeof data.__workerSource === 'string') {
    (0, eval)(data.__workerSource);
    for (const d of held) self.onmessage({ data: d });
    held = null;
  } else held.push(data);
});
`;

const live = new Set<NodeWorker>();

class NodeWebWorker {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  readonly #worker: NodeWorker;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`node-web-worker: only blob: URLs are supported, got ${String(url)}`);
    this.#worker = new NodeWorker(BOOTSTRAP, { eval: true });
    live.add(this.#worker);
    this.#worker.on('message', (data: unknown) => this.onmessage?.({ data }));
    this.#worker.on('error', (err: Error) => this.onerror?.({ message: err.message }));
    void blob.text().then((source) => this.#worker.postMessage({ __workerSource: source }));
  }

  postMessage(data: unknown): void {
    this.#worker.postMessage(data);
  }

  terminate(): void {
    live.delete(this.#worker);
    void this.#worker.terminate();
  }
}

/** Makes `Worker` and `navigator.hardwareConcurrency` (= `threads`) global. */
export function installNodeWebWorker(threads: number): void {
  Object.defineProperty(globalThis, 'Worker', { value: NodeWebWorker, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'navigator', { value: { hardwareConcurrency: threads }, configurable: true, writable: true });
}

/** Ends every worker started through the shim, so the process can exit. */
export async function terminateNodeWebWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.terminate()));
  live.clear();
}

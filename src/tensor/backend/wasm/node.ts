/**
 * @file Loading the wasm backend in Node: the compiled kernels come from
 * build/kernels.wasm (made by `npm run build:wasm`, which `npm ci` and `npm test` run).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { BackendError } from '../../errors.ts';
import { createWasmBackend, type WasmBackend } from './wasm-backend.ts';

const KERNELS_URL = new URL('../../../../build/kernels.wasm', import.meta.url);
let cachedModule: WebAssembly.Module | undefined;

/** The compiled kernel module (read and compiled once per process). */
export function loadKernelModule(): WebAssembly.Module {
  if (cachedModule === undefined) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(KERNELS_URL));
    } catch {
      throw new BackendError(`wasm kernels not found at ${KERNELS_URL.pathname}: run \`npm run build:wasm\``);
    }
    cachedModule = new WebAssembly.Module(bytes);
  }
  return cachedModule;
}

export interface NodeWasmBackendOptions {
  /** Kernel threads including the caller (default: all cores). */
  threads?: number;
  /** Split every call over all threads, however small (for tests of the splits). */
  alwaysParallel?: boolean;
}

/**
 * A wasm backend with its own memory and kernel threads.
 * @example const backend = createNodeWasmBackend({ threads: 2 }); zeros([2], { backend });
 */
export function createNodeWasmBackend(opts: NodeWasmBackendOptions = {}): WasmBackend {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new BackendError(`threads must be an integer in [1, 64], got ${threads}`);
  }
  return createWasmBackend({ module: loadKernelModule(), threads, alwaysParallel: opts.alwaysParallel ?? false });
}

/**
 * @file The `wasm` backend: AssemblyScript kernels compiled to WebAssembly SIMD128 (never
 * relaxed-simd), run on all cores through worker threads over one shared memory. Every
 * kernel produces the same bits as the reference backend for every thread count; the
 * bit-identity suite (test/tensor/backend-identity.test.ts) checks it.
 *
 * Tensor buffers live in the wasm memory (`alloc` returns typed-array views of it), so
 * kernels get their operands by address without copies.
 */
import { contiguousStrides as contiguous, numel } from '../../shape.ts';
import type { DType, Storage } from '../../dtype.ts';
import type { Backend, BinaryOp, ReduceOp, UnaryOp, View } from '../backend.ts';
import { elementOffsets, isDense } from '../strided.ts';
import { collapse, MAX_DIMS } from './collapse.ts';
import { WasmHeap } from './memory.ts';
import { KernelPool } from './pool.ts';

const KERNELS = [
  'k_copy', 'k_unary', 'k_binary', 'k_where', 'k_reduce', 'k_matmul', 'k_gather', 'k_scatter_add',
  'k_softmax', 'k_softmax_backward', 'k_causal_softmax', 'k_causal_softmax_backward', 'k_log_softmax', 'k_log_softmax_backward', 'k_cross_entropy',
  'k_cross_entropy_backward', 'k_layer_norm', 'k_layer_norm_backward', 'k_gelu', 'k_gelu_backward', 'k_peak', 'k_clock',
] as const;
type KernelName = (typeof KERNELS)[number];

const UNARY_CODE: Record<UnaryOp, number> = { neg: 0, exp: 1, log: 2, tanh: 3, sqrt: 4, rsqrt: 5, erf: 6 };
const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, lt: 5, eq: 6 };

/**
 * Below these sizes a call runs on the calling thread alone, because waking a worker (tens
 * of microseconds when it sleeps) costs more than it saves: plain elementwise work (about
 * 1 ns per element), work with a transcendental per element, and matmul multiply-adds.
 */
const PARALLEL_ELEMENTS = 65536;
const PARALLEL_TRANSCENDENTAL = 16384;
const PARALLEL_MACS = 1 << 20;

export interface WasmBackendInit {
  /** Kernel threads, the calling thread included (default: all cores). */
  threads?: number;
  /** The compiled kernels (build/kernels.wasm). */
  module: WebAssembly.Module;
  /** Split every call over all threads, however small (tests use it to exercise the splits). */
  alwaysParallel?: boolean;
}

export interface WasmBackend extends Backend {
  readonly threads: number;
  /** Heap use: bytes in live blocks, the heap's high-water mark, and the memory's size. */
  memoryStats(): { liveBytes: number; heapBytes: number; memoryBytes: number };
  /** Benchmark probes: SIMD throughput (48 flops per iteration per thread) and a clock estimate (3 cycles per iteration). */
  peakProbe(iterations: number, nt: number): void;
  clockProbe(iterations: number): void;
  /** Stops the kernel threads. */
  close(): Promise<void>;
}

export function createWasmBackend(init: WasmBackendInit): WasmBackend {
  const threads = Math.max(1, Math.floor(init.threads ?? 1));
  const heap = new WasmHeap(threads);
  const instance = new WebAssembly.Instance(init.module, {
    env: { memory: heap.memory, abort: () => { throw new Error('wasm kernel abort'); } },
  });
  const pool = KernelPool.start(init.module, instance, heap.memory, KERNELS, threads);
  const index = Object.fromEntries(KERNELS.map((k, i) => [k, i])) as Record<KernelName, number>;
  const args = pool.args;
  const addr = (d: Storage): number => heap.address(d);
  const par = (work: number, threshold = PARALLEL_ELEMENTS): number => (work >= threshold || init.alwaysParallel === true ? threads : 1);

  function call(kernel: KernelName, values: readonly number[], nt: number): void {
    args.set(values);
    pool.run(index[kernel], nt);
  }

  /** Writes a shape padded to MAX_DIMS at `at`; returns the next slot. */
  function putDims(at: number, dims: readonly number[]): number {
    for (let i = 0; i < MAX_DIMS; i++) args[at + i] = dims[i] ?? 0;
    return at + MAX_DIMS;
  }

  /** Address of element 0 of a view. */
  const viewAddr = (v: View): number => addr(v.data) + v.offset * 4;

  /** A dense copy of a strided view in scratch heap memory (freed by GC or scope). */
  function densify(v: View): Float32Array {
    if (isDense(v)) return (v.data as Float32Array).subarray(v.offset, v.offset + numel(v.shape));
    const out = heap.alloc('f32', numel(v.shape), true) as Float32Array;
    backend.copy({ data: out, shape: v.shape, strides: contiguous(v.shape), offset: 0 }, v);
    return out;
  }

  const backend: WasmBackend = {
    name: 'wasm',
    threads,

    alloc(dtype: DType, size: number, uninitialized = false): Storage {
      return heap.alloc(dtype, size, uninitialized);
    },
    pushScope: () => heap.pushScope(),
    popScope: (keep) => heap.popScope(keep),
    memoryStats: () => heap.stats(),
    close: () => pool.stop(),
    peakProbe: (iterations, nt) => call('k_peak', [iterations], nt),
    clockProbe: (iterations) => call('k_clock', [iterations, 7], 1),

    copy(dst, src) {
      const n = numel(src.shape);
      if (n === 0) return;
      const c = collapse(src.shape, [dst.strides, src.strides]);
      args[0] = c.shape.length;
      let at = putDims(1, c.shape);
      args[at++] = viewAddr(dst);
      at = putDims(at, c.strides[0]!);
      args[at++] = viewAddr(src);
      putDims(at, c.strides[1]!);
      pool.run(index.k_copy, par(n));
    },

    unary(op, out, x) {
      const n = out.length;
      if (n === 0) return;
      call('k_unary', [UNARY_CODE[op], n, addr(out), addr(densify(x))], par(n, op === 'neg' || op === 'sqrt' || op === 'rsqrt' ? PARALLEL_ELEMENTS : PARALLEL_TRANSCENDENTAL));
    },

    binary(op, out, a, b) {
      const n = out.length;
      if (n === 0) return;
      const c = collapse(a.shape, [contiguous(a.shape), a.strides, b.strides]);
      args[0] = BINARY_CODE[op];
      args[1] = out instanceof Int32Array ? 1 : 0;
      args[2] = c.shape.length;
      let at = putDims(3, c.shape);
      args[at++] = addr(out);
      args[at++] = viewAddr(a);
      at = putDims(at, c.strides[1]!);
      args[at++] = viewAddr(b);
      putDims(at, c.strides[2]!);
      pool.run(index.k_binary, par(n));
    },

    where(out, cond, a, b) {
      const n = out.length;
      if (n === 0) return;
      const c = collapse(a.shape, [contiguous(a.shape), cond.strides, a.strides, b.strides]);
      args[0] = cond.data instanceof Float32Array ? 1 : 0;
      args[1] = c.shape.length;
      let at = putDims(2, c.shape);
      args[at++] = addr(out);
      args[at++] = viewAddr(cond);
      at = putDims(at, c.strides[1]!);
      args[at++] = viewAddr(a);
      at = putDims(at, c.strides[2]!);
      args[at++] = viewAddr(b);
      putDims(at, c.strides[3]!);
      pool.run(index.k_where, par(n));
    },

    reduce(op: ReduceOp, out, x, outer, n, inner) {
      if (outer * inner === 0) return;
      call('k_reduce', [op === 'sum' ? 0 : 1, addr(out), addr(x), outer, n, inner], par(outer * n * inner));
    },

    matmul(out, a, b) {
      const nd = a.shape.length;
      const [M, K] = [a.shape[nd - 2]!, a.shape[nd - 1]!];
      const N = b.shape[nd - 1]!;
      const batchShape = a.shape.slice(0, nd - 2);
      const batches = numel(batchShape);
      if (batches * M * N === 0) return;
      const aOffs = heap.alloc('i32', batches, true) as Int32Array;
      const bOffs = heap.alloc('i32', batches, true) as Int32Array;
      aOffs.set(elementOffsets({ ...a, shape: batchShape, strides: a.strides.slice(0, nd - 2), offset: 0 }));
      bOffs.set(elementOffsets({ ...b, shape: batchShape, strides: b.strides.slice(0, nd - 2), offset: 0 }));
      call('k_matmul', [
        batches, M, K, N, a.strides[nd - 2]!, a.strides[nd - 1]!, b.strides[nd - 2]!, b.strides[nd - 1]!,
        viewAddr(a), viewAddr(b), addr(out), addr(aOffs), addr(bOffs),
      ], par(batches * M * N * K, PARALLEL_MACS));
    },

    gather(out, table, idx, rowSize) {
      if (idx.length === 0 || rowSize === 0) return;
      call('k_gather', [addr(out), addr(table), addr(idx), idx.length, rowSize], par(idx.length * rowSize));
    },

    scatterAdd(acc, idx, src, rowSize) {
      if (idx.length === 0 || rowSize === 0) return;
      call('k_scatter_add', [addr(acc), addr(idx), addr(src), idx.length, rowSize], par(idx.length * rowSize));
    },

    softmax(out, x, rows, n) {
      if (rows * n > 0) call('k_softmax', [addr(out), addr(x), rows, n], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    softmaxBackward(dx, y, g, rows, n) {
      if (rows * n > 0) call('k_softmax_backward', [addr(dx), addr(y), addr(g), rows, n], par(rows * n));
    },
    causalSoftmax(out, x, rows, n, scale) {
      if (rows * n > 0) call('k_causal_softmax', [addr(out), addr(x), rows, n, f32Bits(scale)], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    causalSoftmaxBackward(dx, y, g, rows, n, scale) {
      if (rows * n > 0) call('k_causal_softmax_backward', [addr(dx), addr(y), addr(g), rows, n, f32Bits(scale)], par(rows * n));
    },
    logSoftmax(out, x, rows, n) {
      if (rows * n > 0) call('k_log_softmax', [addr(out), addr(x), rows, n], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    logSoftmaxBackward(dx, y, g, rows, n) {
      if (rows * n > 0) call('k_log_softmax_backward', [addr(dx), addr(y), addr(g), rows, n], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    crossEntropy(nll, x, targets, rows, n) {
      if (rows * n > 0) call('k_cross_entropy', [addr(nll), addr(x), addr(targets), rows, n], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    crossEntropyBackward(dx, x, targets, g, rows, n) {
      if (rows * n > 0) call('k_cross_entropy_backward', [addr(dx), addr(x), addr(targets), addr(g), rows, n], par(rows * n, PARALLEL_TRANSCENDENTAL));
    },
    layerNorm(y, mean, rstd, x, w, b, rows, n, eps) {
      if (rows * n === 0) return;
      call('k_layer_norm', [addr(y), addr(mean), addr(rstd), addr(x), addr(w), addr(b), rows, n, f32Bits(eps)], par(rows * n));
    },
    layerNormBackward(dx, dw, db, x, w, mean, rstd, g, rows, n) {
      if (n === 0) return;
      if (rows === 0) {
        dw.fill(0);
        db.fill(0);
        return;
      }
      call('k_layer_norm_backward', [addr(dx), addr(dw), addr(db), addr(x), addr(w), addr(mean), addr(rstd), addr(g), rows, n], par(rows * n));
    },
    gelu(y, x) {
      if (x.length > 0) call('k_gelu', [addr(y), addr(x), x.length], par(x.length, PARALLEL_TRANSCENDENTAL));
    },
    geluBackward(dx, x, g) {
      if (x.length > 0) call('k_gelu_backward', [addr(dx), addr(x), addr(g), x.length], par(x.length, PARALLEL_TRANSCENDENTAL));
    },
  };
  return backend;
}

const bitsView = new Int32Array(1);
const floatView = new Float32Array(bitsView.buffer);

/** The bits of an f32 as an i32 argument slot. */
function f32Bits(x: number): number {
  floatView[0] = x;
  return bitsView[0]!;
}

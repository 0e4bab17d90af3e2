/**
 * @file The wasm backend's heap: one shared WebAssembly.Memory that every kernel thread
 * sees, and an allocator for tensor buffers in it.
 *
 * Layout: [0, HEAP_START) holds the module's static data, the control block and the
 * argument area; then one scratch region per thread; then the heap. Heap blocks are sized
 * in 64-byte units and recycled through exact-size free lists, so a training step that
 * allocates the same sizes every step reuses the same blocks and memory stays flat.
 *
 * Lifetimes: a block allocated inside `pushScope()`/`popScope()` is freed when its scope
 * ends unless kept; blocks outside any scope are freed when their typed array is collected
 * (FinalizationRegistry). A typed array of a freed block must not be used again: the
 * backend checks the arrays it receives (`checkLive`).
 */
import { BackendError } from '../../errors.ts';
import type { DType, Storage } from '../../dtype.ts';

const PAGE = 65536;
const ALIGN = 64;
/** Bytes below the per-thread scratch regions: static data, control block, arguments. */
export const CONTROL_ADDR = 512 * 1024;
export const ARGS_ADDR = CONTROL_ADDR + 4096;
export const ARGS_BYTES = 64 * 1024;
export const SCRATCH_START = 1024 * 1024;
export const SCRATCH_BYTES = 4 * 1024 * 1024;
/** 4 GiB: the most a 32-bit WebAssembly memory can address. */
const MAX_PAGES = 65536;

export class DisposedBufferError extends Error {
  override readonly name = 'DisposedBufferError';
}

interface Block {
  readonly ptr: number;
  readonly bytes: number;
  live: boolean;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly heapStart: number;
  #top: number;
  readonly #free = new Map<number, number[]>();
  readonly #blocks = new WeakMap<Storage, Block>();
  readonly #scopes: Block[][] = [];
  readonly #registry = new FinalizationRegistry<Block>((block) => this.#release(block));
  /**
   * The SharedArrayBuffer objects our views are made on: one per size of the memory. V8
   * may hand out a new wrapper object on any `memory.buffer` access, so views are only ever
   * made from these, and ownership is checked by identity against them.
   */
  readonly #buffers = new Set<ArrayBufferLike>();
  #buffer: ArrayBufferLike;
  #liveBytes = 0;

  constructor(threads: number, initialBytes = 64 * 1024 * 1024) {
    this.heapStart = SCRATCH_START + threads * SCRATCH_BYTES;
    const pages = Math.ceil(Math.max(initialBytes, this.heapStart + 16 * 1024 * 1024) / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.#buffer = this.memory.buffer;
    this.#buffers.add(this.#buffer);
    this.#top = this.heapStart;
  }

  /** Bytes in live blocks, and the heap's high-water mark (what the memory must hold). */
  stats(): { liveBytes: number; heapBytes: number; memoryBytes: number } {
    return { liveBytes: this.#liveBytes, heapBytes: this.#top - this.heapStart, memoryBytes: this.#buffer.byteLength };
  }

  /** A typed array over a new block. Zero-filled unless `uninitialized`. */
  alloc(dtype: DType, size: number, uninitialized = false): Storage {
    const bytes = Math.max(ALIGN, Math.ceil((size * 4) / ALIGN) * ALIGN);
    const reused = this.#free.get(bytes)?.pop();
    const ptr = reused ?? this.#bump(bytes);
    const buffer = this.#buffer;
    const data = dtype === 'f32' ? new Float32Array(buffer, ptr, size) : new Int32Array(buffer, ptr, size);
    if (reused !== undefined && !uninitialized) data.fill(0);
    const block: Block = { ptr, bytes, live: true };
    this.#blocks.set(data, block);
    this.#liveBytes += bytes;
    const scope = this.#scopes[this.#scopes.length - 1];
    if (scope !== undefined) scope.push(block);
    else this.#registry.register(data, block);
    return data;
  }

  #bump(bytes: number): number {
    const ptr = this.#top;
    const end = ptr + bytes;
    const size = this.#buffer.byteLength;
    if (end > size) {
      const needed = Math.ceil((end - size) / PAGE);
      const current = size / PAGE;
      if (current + needed > MAX_PAGES) throw new BackendError(`wasm heap exhausted: ${end} bytes needed, 4 GiB is the limit`);
      this.memory.grow(Math.min(Math.max(needed, Math.ceil(current / 4)), MAX_PAGES - current));
      this.#buffer = this.memory.buffer;
      this.#buffers.add(this.#buffer);
    }
    this.#top = end;
    return ptr;
  }

  #release(block: Block): void {
    if (!block.live) return;
    block.live = false;
    this.#liveBytes -= block.bytes;
    let list = this.#free.get(block.bytes);
    if (list === undefined) this.#free.set(block.bytes, (list = []));
    list.push(block.ptr);
  }

  /** Starts a scope: blocks allocated until the matching popScope are freed by it. */
  pushScope(): void {
    this.#scopes.push([]);
  }

  /** Frees the scope's blocks except those backing `keep`; kept blocks move to the outer scope. */
  popScope(keep: readonly Storage[]): void {
    const blocks = this.#scopes.pop();
    if (blocks === undefined) throw new BackendError('popScope() without a matching pushScope()');
    const kept = new Set(keep.map((d) => this.#blocks.get(d)).filter((b): b is Block => b !== undefined));
    const outer = this.#scopes[this.#scopes.length - 1];
    for (const block of blocks) {
      if (!kept.has(block)) this.#release(block);
      else if (outer !== undefined) outer.push(block);
      else this.#registry.register(this.#arrayFor(keep, block), block);
    }
  }

  #arrayFor(keep: readonly Storage[], block: Block): Storage {
    return keep.find((d) => this.#blocks.get(d) === block)!;
  }

  /** True when `data` is a view of this memory. */
  owns(data: Storage): boolean {
    return this.#buffers.has(data.buffer);
  }

  /** The byte address of `data` in the memory, after checking it is ours and still live. */
  address(data: Storage): number {
    if (!this.#buffers.has(data.buffer)) throw new BackendError(`wasm backend: a ${data.constructor.name}[${data.length}] on ${data.buffer.constructor.name}(${data.buffer.byteLength}) is not in this backend's memory (mixed backends?)`);
    const block = this.#blocks.get(data);
    if (block !== undefined && !block.live) throw new DisposedBufferError('wasm backend: tensor buffer was freed when its scope ended');
    return data.byteOffset;
  }
}

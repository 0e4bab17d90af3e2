/**
 * @file Parameters as one flat Float32Array with named views (llm.c's layout): the outer
 * step, compression and hashing work on the flat buffer, the model on the views.
 */
import { getDefaultBackend, hashTensors, numel, ShapeError, Tensor, type Backend } from '../tensor/index.ts';

export interface ParamEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Element offset of this parameter in the flat buffer. */
  readonly offset: number;
}

export class ParamStore {
  /** All parameters, back to back, in `entries` order. */
  readonly flat: Float32Array;
  readonly entries: readonly ParamEntry[];
  readonly backend: Backend;
  readonly #views = new Map<string, Tensor>();

  /** Allocates a zeroed buffer for `shapes` (name, shape pairs, in order). */
  constructor(shapes: ReadonlyArray<readonly [string, readonly number[]]>, backend: Backend = getDefaultBackend()) {
    let offset = 0;
    this.entries = shapes.map(([name, shape]) => {
      const entry = { name, shape, offset };
      offset += numel(shape);
      return entry;
    });
    this.backend = backend;
    this.flat = backend.alloc('f32', offset) as Float32Array;
    for (const e of this.entries) {
      this.#views.set(e.name, new Tensor(this.flat, e.shape, backend, undefined, e.offset).requireGrad());
    }
  }

  get size(): number {
    return this.flat.length;
  }

  /** The trainable view of one parameter (shares the flat buffer). */
  get(name: string): Tensor {
    const t = this.#views.get(name);
    if (t === undefined) throw new ShapeError(`no parameter named '${name}'`);
    return t;
  }

  /** The flat buffer's slice for one parameter (writable). */
  slice(name: string): Float32Array {
    const t = this.get(name);
    return this.flat.subarray(t.offset, t.offset + t.size);
  }

  /**
   * Gradients of all parameters after backward(), flat in entry order (zeros where a
   * parameter got none), written into `out` (default: a new array).
   */
  gradFlat(out: Float32Array = new Float32Array(this.flat.length)): Float32Array {
    if (out.length !== this.flat.length) throw new ShapeError(`gradFlat: buffer of ${out.length} for ${this.flat.length} parameters`);
    for (const e of this.entries) {
      const g = this.get(e.name).grad;
      const size = numel(e.shape);
      if (g === null) out.fill(0, e.offset, e.offset + size);
      else {
        const dense = g.contiguous();
        out.set(dense.data.subarray(dense.offset, dense.offset + size), e.offset);
      }
    }
    return out;
  }

  /** Forgets accumulated gradients. */
  zeroGrad(): void {
    for (const t of this.#views.values()) t.grad = null;
  }

  /** SHA-256 of all parameters (names and canonical bytes, in entry order). */
  hash(): string {
    return hashTensors(this.entries.map((e) => [e.name, this.get(e.name)] as const));
  }
}

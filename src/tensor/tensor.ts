/**
 * @file The Tensor: a strided view of a backend buffer plus its autograd state.
 *
 * Tensors are immutable values: ops return new tensors, and views (reshape, permute,
 * slice, expand) share the buffer of their source. The methods below are thin wrappers
 * over the functions in ops/ and composite/, so model code can chain them:
 * `x_BTC.matmul(w_CD).add(b_D)`.
 */
import { backward as runBackward, type GradNode } from './autograd.ts';
import type { Backend, View } from './backend/backend.ts';
import { referenceBackend } from './backend/reference.ts';
import { dtypeOfStorage, type DType, type Storage } from './dtype.ts';
import { contiguousStrides, numel, type Shape } from './shape.ts';
import * as elementwise from './ops/elementwise.ts';
import * as movement from './ops/movement.ts';
import * as reduce from './ops/reduce.ts';
import { matmul } from './ops/matmul.ts';
import { fullLike } from './ops/creation.ts';
import { GradError, ShapeError } from './errors.ts';

let defaultBackend: Backend | undefined;
let defaultFactory: () => Backend = () => referenceBackend;

/** The backend new tensors are created on unless one is given (created on first use). */
export function getDefaultBackend(): Backend {
  defaultBackend ??= defaultFactory();
  return defaultBackend;
}

/** Sets the backend for tensors created from now on (the CLI picks it once at start-up). */
export function setDefaultBackend(backend: Backend): void {
  defaultBackend = backend;
}

/**
 * How to make the default backend if none was set when it is first needed. The Node entry
 * point (tensor/index.ts) installs the wasm backend; the reference backend is the fallback.
 */
export function setDefaultBackendFactory(factory: () => Backend): void {
  defaultFactory = factory;
}

export type TensorLike = Tensor | number;

export class Tensor implements View {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: Storage;
  readonly backend: Backend;
  /** True for leaves the user marked, and for results computed from such tensors. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor; null for leaves. */
  node: GradNode | null = null;

  /** Low level: wraps a buffer. Prefer the creation functions (tensor, zeros, ...). */
  constructor(data: Storage, shape: Shape, backend: Backend, strides?: readonly number[], offset = 0) {
    this.data = data;
    this.dtype = dtypeOfStorage(data);
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    this.backend = backend;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return numel(this.shape);
  }

  /** Marks a leaf as trainable: backward() will fill its `.grad`. Returns this. */
  requireGrad(flag = true): this {
    if (this.node !== null) throw new GradError('requireGrad() on a non-leaf tensor; use detach() first');
    if (flag && this.dtype !== 'f32') throw new GradError(`only f32 tensors can require grad, got ${this.dtype}`);
    this.requiresGrad = flag;
    return this;
  }

  /** The same values, cut from the tape. Shares the buffer. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.backend, this.strides, this.offset);
  }

  /** Back-propagates from this tensor; see autograd.ts. */
  backward(gradOut?: Tensor): void {
    runBackward(this, gradOut, (t) => fullLike(t, 1));
  }

  /**
   * The values as a new dense typed array in row-major order. Always a copy, detached from
   * the backend's memory, so it stays valid whatever happens to the tensor's buffer.
   */
  toArray(): Storage {
    const dense = this.contiguous();
    return dense.data.slice(dense.offset, dense.offset + dense.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item() needs exactly one element, shape is [${this.shape.join(',')}]`);
    return this.toArray()[0]!;
  }

  // Elementwise (broadcasting), see ops/elementwise.ts.
  add(other: TensorLike): Tensor { return elementwise.add(this, other); }
  sub(other: TensorLike): Tensor { return elementwise.sub(this, other); }
  mul(other: TensorLike): Tensor { return elementwise.mul(this, other); }
  div(other: TensorLike): Tensor { return elementwise.div(this, other); }
  maximum(other: TensorLike): Tensor { return elementwise.maximum(this, other); }
  lt(other: TensorLike): Tensor { return elementwise.lt(this, other); }
  eq(other: TensorLike): Tensor { return elementwise.eq(this, other); }
  neg(): Tensor { return elementwise.neg(this); }
  exp(): Tensor { return elementwise.exp(this); }
  log(): Tensor { return elementwise.log(this); }
  tanh(): Tensor { return elementwise.tanh(this); }
  sqrt(): Tensor { return elementwise.sqrt(this); }
  rsqrt(): Tensor { return elementwise.rsqrt(this); }
  erf(): Tensor { return elementwise.erf(this); }
  square(): Tensor { return elementwise.mul(this, this); }

  // Reductions, see ops/reduce.ts.
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return reduce.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return reduce.mean(this, axes, keepDims); }
  max(axis: number, keepDims = false): Tensor { return reduce.max(this, axis, keepDims); }

  matmul(other: Tensor): Tensor { return matmul(this, other); }

  // Views and copies, see ops/movement.ts.
  reshape(shape: Shape): Tensor { return movement.reshape(this, shape); }
  permute(order: readonly number[]): Tensor { return movement.permute(this, order); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return movement.transpose(this, axis0, axis1); }
  slice(axis: number, start: number, end: number): Tensor { return movement.slice(this, axis, start, end); }
  expand(shape: Shape): Tensor { return movement.expand(this, shape); }
  contiguous(): Tensor { return movement.contiguous(this); }
  clone(): Tensor { return movement.clone(this); }
}

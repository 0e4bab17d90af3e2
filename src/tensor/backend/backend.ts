/**
 * @file The backend contract: the primitive kernels every backend implements.
 *
 * Autograd, broadcasting, views and composite ops live above this line; a backend only
 * moves and combines numbers. Every kernel must follow the numeric contract
 * (docs/numerics.md): the `reference` backend is its definition, and any other backend
 * must produce the same bits for every input.
 *
 * Conventions shared by all kernels:
 * - `out` is a dense, row-major buffer that the kernel fully overwrites (except `copy`).
 * - Inputs are `View`s: a buffer plus shape, strides and offset, so transposes, slices and
 *   broadcasts (stride 0) reach the kernel without copies. Shapes are already validated.
 */
import type { DType, Storage } from '../dtype.ts';
import type { Shape } from '../shape.ts';

/** A strided window onto a buffer. Element `i` (multi-index) lives at offset + sum(i*stride). */
export interface View {
  readonly data: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise functions of one f32 operand. rsqrt = 1/sqrt(x) with two roundings. */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'tanh' | 'sqrt' | 'rsqrt' | 'erf';

/**
 * Elementwise functions of two operands of one dtype.
 * `max` propagates NaN. `lt`/`eq` return 1 or 0 in the operands' dtype.
 * On i32, add/sub/mul wrap modulo 2^32 and div is refused by the tensor layer.
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'lt' | 'eq';

export type ReduceOp = 'sum' | 'max';

/**
 * Fused row kernels: one op each at the tensor level, defined bit for bit by
 * reference-fused.ts. Buffers are dense; "rows" are the leading dims flattened and `n` is
 * the last axis. Backward kernels recompute what they need from the saved inputs.
 */
export interface FusedKernels {
  softmax(out: Float32Array, x: Float32Array, rows: number, n: number): void;
  softmaxBackward(dx: Float32Array, y: Float32Array, g: Float32Array, rows: number, n: number): void;
  /**
   * Scaled causal softmax over attention scores [..., T, T] seen as rows of n = T: row r is
   * query position r % n and sees keys 0..r % n. out = softmax(x * scale) over the visible
   * keys and exactly +0 elsewhere; the bits equal those of masking with -Infinity before a
   * plain softmax (the masked terms add exact zeros). Backward writes +0 where masked.
   */
  causalSoftmax(out: Float32Array, x: Float32Array, rows: number, n: number, scale: number): void;
  causalSoftmaxBackward(dx: Float32Array, y: Float32Array, g: Float32Array, rows: number, n: number, scale: number): void;
  logSoftmax(out: Float32Array, x: Float32Array, rows: number, n: number): void;
  logSoftmaxBackward(dx: Float32Array, y: Float32Array, g: Float32Array, rows: number, n: number): void;
  /** nll[r] = log(sum exp(x_r - m)) - (x_r[t] - m): per-row negative log-likelihood. */
  crossEntropy(nll: Float32Array, x: Float32Array, targets: Int32Array, rows: number, n: number): void;
  /** dx[r, i] = g[r] * (softmax(x_r)_i - [i == t_r]). */
  crossEntropyBackward(dx: Float32Array, x: Float32Array, targets: Int32Array, g: Float32Array, rows: number, n: number): void;
  /** y = (x - mean) * rstd * w + b per row; writes each row's mean and rstd for backward. */
  layerNorm(y: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, rows: number, n: number, eps: number): void;
  layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array, x: Float32Array, w: Float32Array, mean: Float32Array, rstd: Float32Array, g: Float32Array, rows: number, n: number): void;
  /** GELU, tanh form, elementwise. */
  gelu(y: Float32Array, x: Float32Array): void;
  geluBackward(dx: Float32Array, x: Float32Array, g: Float32Array): void;
}

export interface Backend extends FusedKernels {
  readonly name: string;

  /**
   * A dense buffer, zero-filled unless `uninitialized` (for outputs a kernel overwrites).
   * Fast backends place it in their own memory.
   */
  alloc(dtype: DType, size: number, uninitialized?: boolean): Storage;

  /**
   * Scopes bound buffer lifetimes (see `tidy`): buffers allocated after pushScope are
   * released by the matching popScope, except those in `keep`. Garbage-collected
   * backends implement both as no-ops.
   */
  pushScope(): void;
  popScope(keep: readonly Storage[]): void;

  /**
   * dst[i] = src[i] for every multi-index i of their common shape. The only kernel that
   * writes through a strided view (used for dense copies and for slice gradients).
   */
  copy(dst: View, src: View): void;

  unary(op: UnaryOp, out: Float32Array, x: View): void;

  /** `a` and `b` are already broadcast to the output shape (stride 0 where repeated). */
  binary(op: BinaryOp, out: Storage, a: View, b: View): void;

  /** out[i] = cond[i] != 0 ? a[i] : b[i]; all three already broadcast to the output shape. */
  where(out: Storage, cond: View, a: View, b: View): void;

  /**
   * Reduces the middle axis of a dense [outer, n, inner] buffer to [outer, inner].
   * Sum order (the "16-lane order"): lane j in 0..15 accumulates, from +0 and in increasing
   * i, the elements i = j (mod 16); the lanes are then combined pairwise as
   * ((l0+l8)+(l4+l12)) + ((l2+l10)+(l6+l14)) + ... (see reference.ts, `sumLanes`).
   * Max is order-free (NaN if any element is NaN; empty -> -Infinity).
   */
  reduce(op: ReduceOp, out: Float32Array, x: Float32Array, outer: number, n: number, inner: number): void;

  /**
   * Batched matmul: a [...batch, M, K] times b [...batch, K, N] into dense out [...batch, M, N].
   * Both views already broadcast to the same batch shape. Each output element is
   * acc = +0; for k = 0..K-1: acc = round(acc + round(a[m,k] * b[k,n])).
   */
  matmul(out: Float32Array, a: View, b: View): void;

  /** out[n, :] = table[idx[n], :] for a dense table [V, C] and dense idx [N]; idx in range. */
  gather(out: Float32Array, table: Float32Array, idx: Int32Array, rowSize: number): void;

  /**
   * acc[idx[n], :] += src[n, :] for n = 0..N-1 in increasing n (so repeated indices add in
   * a fixed order). acc [V, C] dense, modified in place; src [N, C] dense.
   */
  scatterAdd(acc: Float32Array, idx: Int32Array, src: Float32Array, rowSize: number): void;
}

/**
 * @file The orthonormal DCT-II of DeMo / Templar, blockwise, bit-identical on every machine.
 *
 * The basis is built from the numeric contract's own f32 cosine (sinCosTurnsF32) and f32
 * roundings only, never Math.cos, whose last bits differ between JS engines and CPUs. The
 * transforms are plain matmuls on a tensor backend, whose sequential-k accumulation is
 * the same on every backend (backend.ts), so coefficients are identical bits everywhere.
 *
 * A 2-D tensor [R, C] is cut into s1 x s2 blocks (DeMo: `(y h) (x w) -> y x h w`) and
 * each block X becomes D1 X D2^T; anything else is read as one row [1, N] cut into
 * chunks of s (s1 = 1, so only D2 acts). Coefficients come out block-major: block
 * (by, bx) in row-major block order, its s1*s2 coefficients row-major (frequency u, v).
 */
import { sinCosTurnsF32 } from '../tensor/math/index.ts';
import { f } from '../tensor/math/f32.ts';
import { getDefaultBackend, matmul, numel, tensor, tidy, type Backend, type Tensor } from '../tensor/index.ts';

/** DeMo's `target_chunk`: blocks are at most 64 along each dimension. */
export const DCT_TARGET_CHUNK = 64;

/**
 * The largest divisor of `n` that is <= `target` (DeMo's `_get_smaller_split`; 1 always
 * divides, so DeMo's "smallest divisor above the target" fallback never triggers).
 * @example dctSplit(128) // 64
 * @example dctSplit(96) // 48
 * @example dctSplit(97) // 1 (a prime: blocks of one value)
 */
export function dctSplit(n: number, target = DCT_TARGET_CHUNK): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`dctSplit: ${n} is not a positive integer`);
  for (let d = Math.min(n, target); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

const basisCache = new Map<number, Float32Array>();

/**
 * The orthonormal DCT-II matrix of size s as f32, row-major, row = frequency u:
 * D[u*s + j] = c_u * cos(pi * (2j + 1) * u / (2s)), c_0 = sqrt(1/s), c_u = sqrt(2/s).
 * Identical bits on every machine; a fresh copy each call.
 * @example dctBasis(2) // [0.70710677, 0.70710677, 0.70710677, -0.70710677]
 */
export function dctBasis(s: number): Float32Array {
  return basisOf(s).slice();
}

function basisOf(s: number): Float32Array {
  if (!Number.isInteger(s) || s < 1 || s > 1 << 15) throw new RangeError(`dctBasis: size ${s} out of range`);
  let d = basisCache.get(s);
  if (d === undefined) {
    d = new Float32Array(s * s);
    const period = 4 * s; // the angle in turns is m / (4s) with m = (2j+1)u, taken mod 4s
    const c0 = f(Math.sqrt(f(1 / s)));
    const cu = f(Math.sqrt(f(2 / s)));
    for (let u = 0; u < s; u++) {
      for (let j = 0; j < s; j++) {
        const m = ((2 * j + 1) * u) % period; // exact integer reduction keeps the turn in [0, 1)
        const cos = sinCosTurnsF32(f(m / period))[1];
        d[u * s + j] = f((u === 0 ? c0 : cu) * cos);
      }
    }
    basisCache.set(s, d);
  }
  return d;
}

/** How one tensor is cut into blocks. rows = 1, s1 = 1 for the 1-D case. */
export interface DctLayout {
  readonly rows: number;
  readonly cols: number;
  readonly s1: number;
  readonly s2: number;
}

/**
 * The block layout DeMo uses for a tensor of `shape`: 2-D tensors get s1 x s2 blocks,
 * any other rank is flattened and cut into 1-D chunks. Empty tensors have no blocks.
 * @example dctLayout([96, 40]) // { rows: 96, cols: 40, s1: 48, s2: 40 }
 * @example dctLayout([384]) // { rows: 1, cols: 384, s1: 1, s2: 64 }
 */
export function dctLayout(shape: readonly number[]): DctLayout {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new RangeError(`dctLayout: bad shape [${shape.join(',')}]`);
  const n = numel(shape);
  if (n === 0) return { rows: 0, cols: 0, s1: 1, s2: 1 };
  if (shape.length === 2) return { rows: shape[0]!, cols: shape[1]!, s1: dctSplit(shape[0]!), s2: dctSplit(shape[1]!) };
  return { rows: 1, cols: n, s1: 1, s2: dctSplit(n) };
}

function checkInput(x: Float32Array, l: DctLayout): void {
  if (x.length !== l.rows * l.cols) throw new RangeError(`DCT: ${x.length} values for a ${l.rows} x ${l.cols} layout`);
  if (l.rows % l.s1 !== 0 || l.cols % l.s2 !== 0) throw new RangeError(`DCT: ${l.s1} x ${l.s2} blocks do not tile ${l.rows} x ${l.cols}`);
}

/** Copies between row-major [rows, cols] and block-major order; `toBlocks` picks the direction. */
function reorder(src: Float32Array, l: DctLayout, toBlocks: boolean, out: Float32Array): Float32Array {
  checkInput(src, l);
  if (out.length !== src.length) throw new RangeError(`DCT: output of ${out.length} values, expected ${src.length}`);
  const { cols, s1, s2 } = l;
  const nb2 = cols / s2;
  let b = 0; // position in block-major order
  for (let by = 0; by < l.rows / s1; by++) {
    for (let bx = 0; bx < nb2; bx++) {
      for (let i = 0; i < s1; i++) {
        const r = (by * s1 + i) * cols + bx * s2; // start of this block row in row-major order
        if (toBlocks) for (let j = 0; j < s2; j++) out[b++] = src[r + j]!;
        else for (let j = 0; j < s2; j++) out[r + j] = src[b++]!;
      }
    }
  }
  return out;
}

/**
 * Row-major [rows, cols] values into block-major order (block (by, bx) row-major, then
 * its s1 x s2 values row-major), the order dctBlocks works on. Writes into `out` if given.
 * @example toBlockMajor(Float32Array.from([0, 1, 2, 3]), { rows: 2, cols: 2, s1: 1, s2: 1 }) // unchanged
 */
export function toBlockMajor(x: Float32Array, layout: DctLayout, out = new Float32Array(x.length)): Float32Array {
  return reorder(x, layout, true, out);
}

/**
 * Inverse of toBlockMajor.
 * @example fromBlockMajor(toBlockMajor(x, l), l) // x
 */
export function fromBlockMajor(blocks: Float32Array, layout: DctLayout, out = new Float32Array(blocks.length)): Float32Array {
  return reorder(blocks, layout, false, out);
}

function checkBlocks(blocks: Float32Array, s1: number, s2: number): number {
  if (!Number.isInteger(s1) || !Number.isInteger(s2) || s1 < 1 || s2 < 1 || blocks.length % (s1 * s2) !== 0) {
    throw new RangeError(`DCT: ${blocks.length} values are not whole ${s1} x ${s2} blocks`);
  }
  return blocks.length / (s1 * s2);
}

/**
 * Runs `fn` in a tidy scope and copies its result out before the scope frees it. The copy
 * is not tidy's return value: tidy walks a returned object's values looking for tensors,
 * which for a typed array means boxing every element (tens of ms per million values).
 */
function inScope(backend: Backend, fn: () => Tensor): Float32Array {
  let out: Float32Array = new Float32Array(0);
  tidy(() => {
    out = fn().toArray() as Float32Array;
  }, backend);
  return out;
}

function basisTensor(s: number, backend: Backend): Tensor {
  return tensor(basisOf(s), [s, s], { backend });
}

/**
 * Forward DCT-II of consecutive s1 x s2 blocks (each row-major): Y = D1 X D2^T per block,
 * as one dense matmul by D2^T over all block rows and one matmul by D1 broadcast over the
 * blocks. Blocks of many tensors can share one call (the codec groups tensors by block
 * shape): a few large kernel calls instead of two per tensor, whose fixed costs dominate
 * for small tensors.
 * @example dctBlocks(new Float32Array(4096).fill(1), 64, 64) // 64 at [0], zeros elsewhere
 */
export function dctBlocks(blocks: Float32Array, s1: number, s2: number, backend: Backend = getDefaultBackend()): Float32Array {
  const nb = checkBlocks(blocks, s1, s2);
  if (nb === 0) return new Float32Array(0);
  return inScope(backend, () => {
    const t = matmul(tensor(blocks, [nb * s1, s2], { backend }), basisTensor(s2, backend).transpose()); // X D2^T
    return s1 > 1 ? matmul(basisTensor(s1, backend), t.reshape([nb, s1, s2])) : t; // D1 (X D2^T)
  });
}

/**
 * Inverse of dctBlocks: X = D1^T Y D2 per block (an orthonormal basis's inverse is its
 * transpose).
 * @example idctBlocks(dctBlocks(x, 8, 8), 8, 8) // x up to f32 rounding
 */
export function idctBlocks(coeffs: Float32Array, s1: number, s2: number, backend: Backend = getDefaultBackend()): Float32Array {
  const nb = checkBlocks(coeffs, s1, s2);
  if (nb === 0) return new Float32Array(0);
  return inScope(backend, () => {
    const t = matmul(tensor(coeffs, [nb * s1, s2], { backend }), basisTensor(s2, backend)); // Y D2
    return s1 > 1 ? matmul(basisTensor(s1, backend).transpose(), t.reshape([nb, s1, s2])) : t; // D1^T (Y D2)
  });
}

/**
 * Blockwise forward DCT-II of `x` (row-major [rows, cols]); returns the coefficients
 * block-major (see the file comment).
 * @example dctForward(new Float32Array(128 * 64).fill(1), dctLayout([128, 64])) // 64 at [0] and [4096]
 */
export function dctForward(x: Float32Array, layout: DctLayout, backend: Backend = getDefaultBackend()): Float32Array {
  return dctBlocks(toBlockMajor(x, layout), layout.s1, layout.s2, backend);
}

/**
 * Inverse of dctForward: block-major coefficients back to row-major [rows, cols].
 * @example dctInverse(dctForward(x, l), l) // x up to f32 rounding
 */
export function dctInverse(coeffs: Float32Array, layout: DctLayout, backend: Backend = getDefaultBackend()): Float32Array {
  checkInput(coeffs, layout);
  return fromBlockMajor(idctBlocks(coeffs, layout.s1, layout.s2, backend), layout);
}

// Strided copy: dst[i] = src[i] over a shared shape (4-byte elements, f32 or i32 bits).
// Args: ndim, shape[8], dstAddr, dstStrides[8], srcAddr, srcStrides[8].
import { arg } from './common';
import { innerLen, innerStride, MAX_DIMS, rowCount, rowOffset } from './strided';

export function k_copy(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const ndim = arg(args, 0);
  const shape = args + 4;
  const dst = <usize>arg(args, 1 + MAX_DIMS);
  const dstStrides = args + ((2 + MAX_DIMS) << 2);
  const src = <usize>arg(args, 2 + 2 * MAX_DIMS);
  const srcStrides = args + ((3 + 2 * MAX_DIMS) << 2);
  const rows = rowCount(ndim, shape);
  const n = innerLen(ndim, shape);
  const ds = innerStride(ndim, dstStrides);
  const ss = innerStride(ndim, srcStrides);
  const per = (rows + nt - 1) / nt;
  const r1 = min(rows, (tid + 1) * per);
  for (let r = tid * per; r < r1; r++) {
    const d = dst + rowOffset(r, ndim, shape, dstStrides);
    const s = src + rowOffset(r, ndim, shape, srcStrides);
    if (ds == 1 && ss == 1) {
      memory.copy(d, s, <usize>n << 2);
    } else {
      for (let i = 0; i < n; i++) store<i32>(d + (<usize>(i * ds) << 2), load<i32>(s + (<usize>(i * ss) << 2)));
    }
  }
}

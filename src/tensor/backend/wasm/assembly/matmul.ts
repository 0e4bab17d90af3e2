// Batched matmul: C[p] = A[p] @ B[p] with A [M, K] and B [K, N] strided, C dense.
// Contract: every C[m, n] is acc = +0; for k = 0..K-1: acc = acc + a[m,k] * b[k,n], one
// rounding per multiply and per add. The 4x8 register tile (8 f32x4 accumulators) keeps
// that order: it vectorises over n and broadcasts a[m,k]; K blocks store the running sum in
// C and reload it, which is exact. B panels are packed (copying is exact); A is read in
// place through its strides.
import { arg } from './common';

const NB = 256; // columns per packed B panel
const KB = 512; // depth per K block
const MR = 4;
const NR = 8;

/** Packs B[k0..k0+kw, n0..n0+nw] into strips of 8 columns: strip s is kw x 8, zero-padded. */
function packB(dst: usize, b: usize, sbk: i32, sbn: i32, k0: i32, kw: i32, n0: i32, nw: i32): void {
  const strips = (nw + NR - 1) / NR;
  for (let s = 0; s < strips; s++) {
    const strip = dst + <usize>(s * kw * NR) * 4;
    for (let k = 0; k < kw; k++) {
      const row = b + (<usize>((k0 + k) * sbk) << 2);
      const out = strip + (<usize>(k * NR) << 2);
      for (let j = 0; j < NR; j++) {
        const col = n0 + s * NR + j;
        store<f32>(out + (<usize>j << 2), col < n0 + nw ? load<f32>(row + (<usize>(col * sbn) << 2)) : 0);
      }
    }
  }
}

/**
 * Packs rows m..m+3 (clamped to `last`) of A over k0..k0+kw as kw groups of 4: the 4 rows'
 * values for one k are adjacent, so the tile reads A with one pointer and fixed offsets.
 */
function packA(dst: usize, a: usize, sam: i32, sak: i32, m: i32, last: i32, k0: i32, kw: i32): void {
  if (sam == 1 && m + MR - 1 <= last) {
    // A is a transposed view (rows adjacent in memory): the 4 values for one k are one vector.
    const src = a + (<usize>(m + k0 * sak) << 2);
    const step = <usize>sak << 2;
    for (let k = 0; k < kw; k++) v128.store(dst + (<usize>(k * MR) << 2), v128.load(src + <usize>k * step));
    return;
  }
  for (let r = 0; r < MR; r++) {
    const row = a + (<usize>(min(m + r, last) * sam + k0 * sak) << 2);
    const sak4 = <usize>sak << 2;
    for (let k = 0; k < kw; k++) store<f32>(dst + (<usize>(k * MR + r) << 2), load<f32>(row + <usize>k * sak4));
  }
}

/**
 * One 4x8 tile over one K block: ap is the packed A panel (kw x 4), bp the packed B strip
 * (kw x 8). c: C[m, n] of the tile, cStride in bytes. first: start from +0 instead of C.
 * validRows (1..4) and validCols (1..8) limit loads and stores.
 */
function tile(ap: usize, bp: usize, kw: i32, c: usize, cStride: usize, first: bool, validRows: i32, validCols: i32, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!first) {
    if (validCols == NR) {
      c00 = v128.load(c); c01 = v128.load(c, 16);
      if (validRows > 1) { c10 = v128.load(c + cStride); c11 = v128.load(c + cStride, 16); }
      if (validRows > 2) { c20 = v128.load(c + 2 * cStride); c21 = v128.load(c + 2 * cStride, 16); }
      if (validRows > 3) { c30 = v128.load(c + 3 * cStride); c31 = v128.load(c + 3 * cStride, 16); }
    } else {
      memory.fill(tmp, 0, 4 * NR * 4);
      for (let r = 0; r < validRows; r++) memory.copy(tmp + <usize>(r * NR * 4), c + <usize>r * cStride, <usize>validCols << 2);
      c00 = v128.load(tmp); c01 = v128.load(tmp, 16); c10 = v128.load(tmp, 32); c11 = v128.load(tmp, 48);
      c20 = v128.load(tmp, 64); c21 = v128.load(tmp, 80); c30 = v128.load(tmp, 96); c31 = v128.load(tmp, 112);
    }
  }
  let a = ap;
  let b = bp;
  const end = bp + (<usize>(kw * NR) << 2);
  while (b < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a += MR * 4;
    b += NR * 4;
  }
  if (validCols == NR) {
    v128.store(c, c00); v128.store(c, c01, 16);
    if (validRows > 1) { v128.store(c + cStride, c10); v128.store(c + cStride, c11, 16); }
    if (validRows > 2) { v128.store(c + 2 * cStride, c20); v128.store(c + 2 * cStride, c21, 16); }
    if (validRows > 3) { v128.store(c + 3 * cStride, c30); v128.store(c + 3 * cStride, c31, 16); }
  } else {
    v128.store(tmp, c00); v128.store(tmp, c01, 16); v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
    v128.store(tmp, c20, 64); v128.store(tmp, c21, 80); v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
    for (let r = 0; r < validRows; r++) memory.copy(c + <usize>r * cStride, tmp + <usize>(r * NR * 4), <usize>validCols << 2);
  }
}

/** Rows [m0, m1) of one batch. */
function matmulRows(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32, sam: i32, sak: i32, sbk: i32, sbn: i32,
  m0: i32, m1: i32, scratch: usize): void {
  const cStride = <usize>N << 2;
  if (K == 0) {
    for (let m = m0; m < m1; m++) memory.fill(c + <usize>m * cStride, 0, cStride);
    return;
  }
  const tmp = scratch;
  const ap = scratch + 256;
  const bp = ap + <usize>(KB * MR * 4);
  for (let n0 = 0; n0 < N; n0 += NB) {
    const nw = min(NB, N - n0);
    for (let k0 = 0; k0 < K; k0 += KB) {
      const kw = min(KB, K - k0);
      packB(bp, b, sbk, sbn, k0, kw, n0, nw);
      for (let m = m0; m < m1; m += MR) {
        const validRows = min(MR, m1 - m);
        packA(ap, a, sam, sak, m, m + validRows - 1, k0, kw);
        for (let s = 0; s < nw; s += NR) {
          tile(ap, bp + (<usize>(s * kw) << 2), kw, c + <usize>m * cStride + (<usize>(n0 + s) << 2), cStride, k0 == 0, validRows, min(NR, nw - s), tmp);
        }
      }
    }
  }
}

/**
 * Args: batches, M, K, N, sam, sak, sbk, sbn, aAddr, bAddr, cAddr, aOffsAddr, bOffsAddr
 * (element offsets of each batch's A and B, i32 arrays). Threads split the batches when
 * there are at least as many as threads, else the rows of every batch.
 */
export function k_matmul(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const batches = arg(args, 0);
  const M = arg(args, 1), K = arg(args, 2), N = arg(args, 3);
  const sam = arg(args, 4), sak = arg(args, 5), sbk = arg(args, 6), sbn = arg(args, 7);
  const a = <usize>arg(args, 8), b = <usize>arg(args, 9), c = <usize>arg(args, 10);
  const aOffs = <usize>arg(args, 11), bOffs = <usize>arg(args, 12);
  let p0 = 0, p1 = batches, m0 = 0, m1 = M;
  if (batches >= nt) {
    const per = (batches + nt - 1) / nt;
    p0 = min(batches, tid * per);
    p1 = min(batches, p0 + per);
  } else {
    const per = (((M + nt - 1) / nt) + MR - 1) & ~(MR - 1);
    m0 = min(M, tid * per);
    m1 = min(M, m0 + per);
  }
  if (m0 >= m1) return;
  for (let p = p0; p < p1; p++) {
    const ap = a + (<usize>load<i32>(aOffs + (<usize>p << 2)) << 2);
    const bpp = b + (<usize>load<i32>(bOffs + (<usize>p << 2)) << 2);
    const cp = c + (<usize>(p * M * N) << 2);
    matmulRows(ap, bpp, cp, M, K, N, sam, sak, sbk, sbn, m0, m1, scratch);
  }
}

// Shared helpers of the kernels. AssemblyScript: f32 arithmetic is IEEE binary32 with
// round-to-nearest-even, and WebAssembly has no fused multiply-add, so `a * b + c` here is
// exactly the reference backend's fround(fround(a * b) + c).

/** The i-th 32-bit argument of a kernel call. */
// @ts-ignore: decorator
@inline export function arg(args: usize, i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

/** The i-th argument read as f32 bits. */
// @ts-ignore: decorator
@inline export function argf(args: usize, i: i32): f32 {
  return load<f32>(args + (<usize>i << 2));
}

/**
 * Folds four vectors holding the 16 lane sums (v_k lane l = lane 4k+l) in the contract's
 * order: lanes j and j+8, then j and j+4, then j and j+2, then 0 and 1.
 */
// @ts-ignore: decorator
@inline export function foldLanes(v0: v128, v1: v128, v2: v128, v3: v128): f32 {
  const s = f32x4.add(f32x4.add(v0, v2), f32x4.add(v1, v3));
  const a = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 2);
  const b = f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 3);
  return a + b;
}

/** A vector holding the first `count` (0..4) f32 at p, zeros in the other lanes. */
export function loadPartial(p: usize, count: i32): v128 {
  if (count >= 4) return v128.load(p);
  if (count == 3) return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8));
  if (count == 2) return v128.load64_zero(p);
  if (count == 1) return v128.load32_zero(p);
  return f32x4.splat(0);
}

/**
 * The 16-lane sum of n f32 values at p: lane i % 16 accumulates element i from +0.
 * The tail (n % 16 elements) lands in lanes 0..t-1: it is added as zero-padded vectors,
 * which is exact because a lane sum is never -0.
 */
export function laneSum(p: usize, n: i32): f32 {
  let v0 = f32x4.splat(0);
  let v1 = f32x4.splat(0);
  let v2 = f32x4.splat(0);
  let v3 = f32x4.splat(0);
  const full = n & ~15;
  for (let i = 0; i < full; i += 16) {
    const q = p + (<usize>i << 2);
    v0 = f32x4.add(v0, v128.load(q));
    v1 = f32x4.add(v1, v128.load(q, 16));
    v2 = f32x4.add(v2, v128.load(q, 32));
    v3 = f32x4.add(v3, v128.load(q, 48));
  }
  const t = n - full;
  if (t > 0) {
    const q = p + (<usize>full << 2);
    v0 = f32x4.add(v0, loadPartial(q, t));
    if (t > 4) v1 = f32x4.add(v1, loadPartial(q + 16, t - 4));
    if (t > 8) v2 = f32x4.add(v2, loadPartial(q + 32, t - 8));
    if (t > 12) v3 = f32x4.add(v3, loadPartial(q + 48, t - 12));
  }
  return foldLanes(v0, v1, v2, v3);
}

/** Order-free f32 maximum of n values at p (IEEE maximum: NaN wins, +0 > -0); -inf if empty. */
export function rowMax(p: usize, n: i32): f32 {
  let m = f32x4.splat(-Infinity);
  const full = n & ~3;
  for (let i = 0; i < full; i += 4) m = f32x4.max(m, v128.load(p + (<usize>i << 2)));
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (let i = full; i < n; i++) r = max(r, load<f32>(p + (<usize>i << 2)));
  return r;
}

// Fused row kernels: the same operations, in the same order, as
// backend/reference-fused.ts (which defines them), one row per thread share.
import { arg, argf, laneSum, rowMax } from './common';
import { expF32, expF32x4, logF32, tanhF32, tanhF32x4 } from './math';

// GELU constants as exact f32 bits (reference-fused.ts: GELU_K, GELU_C, GELU_C3).
const GELU_K = reinterpret<f32>(0x3f4c422a);
const GELU_C = reinterpret<f32>(0x3d372713);
const GELU_C3 = reinterpret<f32>(0x3e095d4f);

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Element share of this thread, in multiples of 4 (the last share takes the tail). */
// @ts-ignore: decorator
@inline function vecStart(tid: i32, nt: i32, n: i32): i32 {
  return min(n, tid * ((((n + nt - 1) / nt) + 3) & ~3));
}

/** Row range of this thread. */
// @ts-ignore: decorator
@inline function rowsStart(tid: i32, nt: i32, rows: i32): i32 {
  return min(rows, tid * ((rows + nt - 1) / nt));
}

// @ts-ignore: decorator
@inline function rowsEnd(tid: i32, nt: i32, rows: i32): i32 {
  return min(rows, (tid + 1) * ((rows + nt - 1) / nt));
}

/** out[i] = exp(x[i] - m) for one row. */
function expShifted(out: usize, x: usize, n: i32, m: f32): void {
  const vm = f32x4.splat(m);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), expF32x4(f32x4.sub(v128.load(at(x, i)), vm)));
  for (; i < n; i++) store<f32>(at(out, i), expF32(load<f32>(at(x, i)) - m));
}

/** 16-lane sum of a[i] * b[i] (each product rounded). */
function laneSumProducts(a: usize, b: usize, n: i32, scratch: usize): f32 {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(scratch, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(scratch, i), load<f32>(at(a, i)) * load<f32>(at(b, i)));
  return laneSum(scratch, n);
}

/** Args: outAddr, xAddr, rows, n. */
export function k_softmax(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const out = <usize>arg(args, 0), x = <usize>arg(args, 1), rows = arg(args, 2), n = arg(args, 3);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), yr = at(out, r * n);
    expShifted(yr, xr, n, rowMax(xr, n));
    const vs = f32x4.splat(laneSum(yr, n));
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(at(yr, i), f32x4.div(v128.load(at(yr, i)), vs));
    const s = f32x4.extract_lane(vs, 0);
    for (; i < n; i++) store<f32>(at(yr, i), load<f32>(at(yr, i)) / s);
  }
}

/** dx = y * (g - sum(g * y)). Args: dxAddr, yAddr, gAddr, rows, n. */
export function k_softmax_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), y = <usize>arg(args, 1), g = <usize>arg(args, 2), rows = arg(args, 3), n = arg(args, 4);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const yr = at(y, r * n), gr = at(g, r * n), dr = at(dx, r * n);
    const vd = f32x4.splat(laneSumProducts(gr, yr, n, scratch));
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(at(dr, i), f32x4.mul(v128.load(at(yr, i)), f32x4.sub(v128.load(at(gr, i)), vd)));
    const d = f32x4.extract_lane(vd, 0);
    for (; i < n; i++) store<f32>(at(dr, i), load<f32>(at(yr, i)) * (load<f32>(at(gr, i)) - d));
  }
}

/** out = (x - m) - log(sum exp(x - m)). Args: outAddr, xAddr, rows, n. */
export function k_log_softmax(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const out = <usize>arg(args, 0), x = <usize>arg(args, 1), rows = arg(args, 2), n = arg(args, 3);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), yr = at(out, r * n);
    const m = rowMax(xr, n);
    expShifted(yr, xr, n, m);
    const l = logF32(laneSum(yr, n));
    for (let i = 0; i < n; i++) store<f32>(at(yr, i), (load<f32>(at(xr, i)) - m) - l);
  }
}

/** dx = g - exp(y) * sum(g). Args: dxAddr, yAddr, gAddr, rows, n. */
export function k_log_softmax_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), y = <usize>arg(args, 1), g = <usize>arg(args, 2), rows = arg(args, 3), n = arg(args, 4);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const yr = at(y, r * n), gr = at(g, r * n), dr = at(dx, r * n);
    const sg = laneSum(gr, n);
    const vsg = f32x4.splat(sg);
    let i = 0;
    for (; i + 4 <= n; i += 4) v128.store(at(dr, i), f32x4.sub(v128.load(at(gr, i)), f32x4.mul(expF32x4(v128.load(at(yr, i))), vsg)));
    for (; i < n; i++) store<f32>(at(dr, i), load<f32>(at(gr, i)) - expF32(load<f32>(at(yr, i))) * sg);
  }
}

/** nll[r] = log(sum exp(x - m)) - (x[t] - m). Args: nllAddr, xAddr, targetsAddr, rows, n. */
export function k_cross_entropy(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const nll = <usize>arg(args, 0), x = <usize>arg(args, 1), t = <usize>arg(args, 2), rows = arg(args, 3), n = arg(args, 4);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n);
    const m = rowMax(xr, n);
    expShifted(scratch, xr, n, m);
    const l = logF32(laneSum(scratch, n));
    store<f32>(at(nll, r), l - (load<f32>(at(xr, load<i32>(at(t, r)))) - m));
  }
}

/** dx = g[r] * (softmax(x)_i - [i == t]). Args: dxAddr, xAddr, targetsAddr, gAddr, rows, n. */
export function k_cross_entropy_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), x = <usize>arg(args, 1), t = <usize>arg(args, 2), g = <usize>arg(args, 3);
  const rows = arg(args, 4), n = arg(args, 5);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), dr = at(dx, r * n);
    expShifted(dr, xr, n, rowMax(xr, n));
    const s = laneSum(dr, n);
    const gr = load<f32>(at(g, r));
    const target = load<i32>(at(t, r));
    for (let i = 0; i < n; i++) {
      const p = load<f32>(at(dr, i)) / s;
      store<f32>(at(dr, i), gr * (p - (i == target ? <f32>1 : <f32>0)));
    }
  }
}

/** Args: yAddr, meanAddr, rstdAddr, xAddr, wAddr, bAddr, rows, n, eps (f32 bits). */
export function k_layer_norm(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const y = <usize>arg(args, 0), mean = <usize>arg(args, 1), rstd = <usize>arg(args, 2), x = <usize>arg(args, 3);
  const w = <usize>arg(args, 4), b = <usize>arg(args, 5), rows = arg(args, 6), n = arg(args, 7);
  const eps = argf(args, 8);
  const nf = <f32>n;
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), yr = at(y, r * n);
    const mu = laneSum(xr, n) / nf;
    const vmu = f32x4.splat(mu);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const xc = f32x4.sub(v128.load(at(xr, i)), vmu);
      v128.store(at(yr, i), f32x4.mul(xc, xc));
    }
    for (; i < n; i++) {
      const xc = load<f32>(at(xr, i)) - mu;
      store<f32>(at(yr, i), xc * xc);
    }
    const rs = <f32>1 / sqrt<f32>(laneSum(yr, n) / nf + eps);
    const vrs = f32x4.splat(rs);
    i = 0;
    for (; i + 4 <= n; i += 4) {
      const xh = f32x4.mul(f32x4.sub(v128.load(at(xr, i)), vmu), vrs);
      v128.store(at(yr, i), f32x4.add(f32x4.mul(xh, v128.load(at(w, i))), v128.load(at(b, i))));
    }
    for (; i < n; i++) store<f32>(at(yr, i), ((load<f32>(at(xr, i)) - mu) * rs) * load<f32>(at(w, i)) + load<f32>(at(b, i)));
    store<f32>(at(mean, r), mu);
    store<f32>(at(rstd, r), rs);
  }
}

/**
 * dx per row (threads split rows) and dw, db as 16-lane column sums over rows (threads
 * split columns). Args: dxAddr, dwAddr, dbAddr, xAddr, wAddr, meanAddr, rstdAddr, gAddr,
 * rows, n. Scratch: 4n floats for a row's xhat and dxhat; 32 x (column share) for lanes.
 */
export function k_layer_norm_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), dw = <usize>arg(args, 1), db = <usize>arg(args, 2), x = <usize>arg(args, 3);
  const w = <usize>arg(args, 4), mean = <usize>arg(args, 5), rstd = <usize>arg(args, 6), g = <usize>arg(args, 7);
  const rows = arg(args, 8), n = arg(args, 9);
  const nf = <f32>n;
  const xhat = scratch, dxh = scratch + (<usize>n << 2), prod = scratch + (<usize>n << 3);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), gr = at(g, r * n), dr = at(dx, r * n);
    const mu = load<f32>(at(mean, r)), rs = load<f32>(at(rstd, r));
    for (let i = 0; i < n; i++) {
      store<f32>(at(xhat, i), (load<f32>(at(xr, i)) - mu) * rs);
      store<f32>(at(dxh, i), load<f32>(at(gr, i)) * load<f32>(at(w, i)));
    }
    const a = laneSum(dxh, n) / nf;
    const c = laneSumProducts(dxh, xhat, n, prod) / nf;
    for (let i = 0; i < n; i++) {
      store<f32>(at(dr, i), ((load<f32>(at(dxh, i)) - a) - load<f32>(at(xhat, i)) * c) * rs);
    }
  }
  // Column share for dw and db.
  const per = (((n + nt - 1) / nt) + 3) & ~3;
  const c0 = min(n, tid * per);
  const c1 = min(n, c0 + per);
  const cols = c1 - c0;
  if (cols <= 0) return;
  const laneBytes = <usize>cols << 2;
  const dwLanes = scratch + (<usize>(3 * n) << 2);
  const dbLanes = dwLanes + 16 * laneBytes;
  memory.fill(dwLanes, 0, 32 * laneBytes);
  for (let r = 0; r < rows; r++) {
    const mu = load<f32>(at(mean, r)), rs = load<f32>(at(rstd, r));
    const lw = dwLanes + <usize>(r & 15) * laneBytes;
    const lb = dbLanes + <usize>(r & 15) * laneBytes;
    for (let j = 0; j < cols; j++) {
      const gv = load<f32>(at(g, r * n + c0 + j));
      const xh = (load<f32>(at(x, r * n + c0 + j)) - mu) * rs;
      store<f32>(at(lw, j), load<f32>(at(lw, j)) + gv * xh);
      store<f32>(at(lb, j), load<f32>(at(lb, j)) + gv);
    }
  }
  for (let width = 8; width >= 1; width >>= 1) {
    for (let l = 0; l < width; l++) {
      for (let j = 0; j < cols; j++) {
        const pw = at(dwLanes + <usize>l * laneBytes, j), ow = at(dwLanes + <usize>(l + width) * laneBytes, j);
        store<f32>(pw, load<f32>(pw) + load<f32>(ow));
        const pb = at(dbLanes + <usize>l * laneBytes, j), ob = at(dbLanes + <usize>(l + width) * laneBytes, j);
        store<f32>(pb, load<f32>(pb) + load<f32>(ob));
      }
    }
  }
  memory.copy(at(dw, c0), dwLanes, laneBytes);
  memory.copy(at(db, c0), dbLanes, laneBytes);
}

/** Args: yAddr, xAddr, n. */
export function k_gelu(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const y = <usize>arg(args, 0), x = <usize>arg(args, 1), n = arg(args, 2);
  const i0 = vecStart(tid, nt, n), i1 = vecStart(tid + 1, nt, n);
  let i = i0;
  const c = f32x4.splat(GELU_C), k = f32x4.splat(GELU_K), half = f32x4.splat(0.5), one = f32x4.splat(1);
  for (; i + 4 <= i1; i += 4) {
    const v = v128.load(at(x, i));
    const inner = f32x4.mul(f32x4.add(v, f32x4.mul(f32x4.mul(f32x4.mul(v, v), v), c)), k);
    v128.store(at(y, i), f32x4.mul(f32x4.mul(v, half), f32x4.add(tanhF32x4(inner), one)));
  }
  for (; i < i1; i++) {
    const v = load<f32>(at(x, i));
    const inner = (v + ((v * v) * v) * GELU_C) * GELU_K;
    store<f32>(at(y, i), (v * <f32>0.5) * (tanhF32(inner) + <f32>1));
  }
}

/** Args: dxAddr, xAddr, gAddr, n. */
export function k_gelu_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), x = <usize>arg(args, 1), g = <usize>arg(args, 2), n = arg(args, 3);
  const i0 = vecStart(tid, nt, n), i1 = vecStart(tid + 1, nt, n);
  let i = i0;
  const c = f32x4.splat(GELU_C), c3 = f32x4.splat(GELU_C3), k = f32x4.splat(GELU_K), half = f32x4.splat(0.5), one = f32x4.splat(1);
  for (; i + 4 <= i1; i += 4) {
    const v = v128.load(at(x, i));
    const v2 = f32x4.mul(v, v);
    const t = tanhF32x4(f32x4.mul(f32x4.add(v, f32x4.mul(f32x4.mul(v2, v), c)), k));
    const a = f32x4.mul(half, f32x4.add(one, t));
    const sech2 = f32x4.sub(one, f32x4.mul(t, t));
    const dInner = f32x4.mul(k, f32x4.add(one, f32x4.mul(c3, v2)));
    const d = f32x4.add(a, f32x4.mul(f32x4.mul(f32x4.mul(half, v), sech2), dInner));
    v128.store(at(dx, i), f32x4.mul(v128.load(at(g, i)), d));
  }
  for (; i < i1; i++) {
    const v = load<f32>(at(x, i));
    const v2 = v * v;
    const t = tanhF32((v + (v2 * v) * GELU_C) * GELU_K);
    const a = <f32>0.5 * (<f32>1 + t);
    const sech2 = <f32>1 - t * t;
    const dInner = GELU_K * (<f32>1 + GELU_C3 * v2);
    store<f32>(at(dx, i), load<f32>(at(g, i)) * (a + ((<f32>0.5 * v) * sech2) * dInner));
  }
}

/**
 * Scaled causal softmax: row r is query r % n, keys 0..r % n visible. Args: outAddr, xAddr,
 * rows, n, scale (f32 bits).
 */
export function k_causal_softmax(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const out = <usize>arg(args, 0), x = <usize>arg(args, 1), rows = arg(args, 2), n = arg(args, 3);
  const scale = argf(args, 4);
  const vscale = f32x4.splat(scale);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const xr = at(x, r * n), yr = at(out, r * n);
    const valid = (r % n) + 1;
    let i = 0;
    for (; i + 4 <= valid; i += 4) v128.store(at(yr, i), f32x4.mul(v128.load(at(xr, i)), vscale));
    for (; i < valid; i++) store<f32>(at(yr, i), load<f32>(at(xr, i)) * scale);
    expShifted(yr, yr, valid, rowMax(yr, valid));
    const s = laneSum(yr, valid);
    const vs = f32x4.splat(s);
    i = 0;
    for (; i + 4 <= valid; i += 4) v128.store(at(yr, i), f32x4.div(v128.load(at(yr, i)), vs));
    for (; i < valid; i++) store<f32>(at(yr, i), load<f32>(at(yr, i)) / s);
    memory.fill(at(yr, valid), 0, <usize>(n - valid) << 2);
  }
}

/** dx = (y * (g - sum(g * y))) * scale on visible keys, +0 elsewhere. Args: dxAddr, yAddr, gAddr, rows, n, scale. */
export function k_causal_softmax_backward(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const dx = <usize>arg(args, 0), y = <usize>arg(args, 1), g = <usize>arg(args, 2), rows = arg(args, 3), n = arg(args, 4);
  const scale = argf(args, 5);
  const vscale = f32x4.splat(scale);
  for (let r = rowsStart(tid, nt, rows); r < rowsEnd(tid, nt, rows); r++) {
    const yr = at(y, r * n), gr = at(g, r * n), dr = at(dx, r * n);
    const valid = (r % n) + 1;
    const d = laneSumProducts(gr, yr, valid, scratch);
    const vd = f32x4.splat(d);
    let i = 0;
    for (; i + 4 <= valid; i += 4) {
      v128.store(at(dr, i), f32x4.mul(f32x4.mul(v128.load(at(yr, i)), f32x4.sub(v128.load(at(gr, i)), vd)), vscale));
    }
    for (; i < valid; i++) store<f32>(at(dr, i), (load<f32>(at(yr, i)) * (load<f32>(at(gr, i)) - d)) * scale);
    memory.fill(at(dr, valid), 0, <usize>(n - valid) << 2);
  }
}

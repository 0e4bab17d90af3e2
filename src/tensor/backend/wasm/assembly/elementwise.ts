// Elementwise kernels: binary ops with broadcasting (stride 0), where, and unary f32 ops.
// Each output element is one scalar operation, so vectorising changes no bit.
import { arg } from './common';
import { innerLen, innerStride, MAX_DIMS, rowCount, rowOffset } from './strided';
import { expF32, expF32x4, logF32, tanhF32, tanhF32x4, erfF32 } from './math';

// Binary op codes, as in wasm-backend.ts.
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, LT = 5, EQ = 6;

// @ts-ignore: decorator
@inline function vopF32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAX: return f32x4.max(a, b);
    case LT: return v128.and(f32x4.lt(a, b), f32x4.splat(1));
    default: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
  }
}

// @ts-ignore: decorator
@inline function sopF32(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case MAX: return max(a, b);
    case LT: return a < b ? 1 : 0;
    default: return a == b ? 1 : 0;
  }
}

// @ts-ignore: decorator
@inline function sopI32(op: i32, a: i32, b: i32): i32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return b == 0 ? 0 : a / b;
    case MAX: return max(a, b);
    case LT: return a < b ? 1 : 0;
    default: return a == b ? 1 : 0;
  }
}

/** One row of an f32 binary op: out[i] = a[i*as] op b[i*bs]. */
function rowF32(op: i32, out: usize, a: usize, as: i32, b: usize, bs: i32, n: i32): void {
  let i = 0;
  if (as == 1 && bs == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, vopF32(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (as == 1 && bs == 0) {
    const vb = v128.load32_splat(b);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, vopF32(op, v128.load(a + o), vb));
    }
  } else if (as == 0 && bs == 1) {
    const va = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, vopF32(op, va, v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), sopF32(op, load<f32>(a + (<usize>(i * as) << 2)), load<f32>(b + (<usize>(i * bs) << 2))));
  }
}

function rowI32(op: i32, out: usize, a: usize, as: i32, b: usize, bs: i32, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<i32>(out + (<usize>i << 2), sopI32(op, load<i32>(a + (<usize>(i * as) << 2)), load<i32>(b + (<usize>(i * bs) << 2))));
  }
}

/** Args: op, isInt, ndim, shape[8], outAddr (dense), aAddr, aStrides[8], bAddr, bStrides[8]. */
export function k_binary(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const op = arg(args, 0);
  const isInt = arg(args, 1);
  const ndim = arg(args, 2);
  const shape = args + 12;
  const out = <usize>arg(args, 3 + MAX_DIMS);
  const a = <usize>arg(args, 4 + MAX_DIMS);
  const aStrides = args + (<usize>(5 + MAX_DIMS) << 2);
  const b = <usize>arg(args, 5 + 2 * MAX_DIMS);
  const bStrides = args + (<usize>(6 + 2 * MAX_DIMS) << 2);
  const rows = rowCount(ndim, shape);
  const n = innerLen(ndim, shape);
  const as = innerStride(ndim, aStrides);
  const bs = innerStride(ndim, bStrides);
  if (rows == 1) {
    // One long row: split it between threads (in multiples of 4 elements).
    const per = ((n + nt - 1) / nt + 3) & ~3;
    const i0 = min(n, tid * per);
    const i1 = min(n, i0 + per);
    const o = <usize>i0 << 2;
    if (isInt) rowI32(op, out + o, a + <usize>(i0 * as) * 4, as, b + <usize>(i0 * bs) * 4, bs, i1 - i0);
    else rowF32(op, out + o, a + <usize>(i0 * as) * 4, as, b + <usize>(i0 * bs) * 4, bs, i1 - i0);
    return;
  }
  const per = (rows + nt - 1) / nt;
  const r1 = min(rows, (tid + 1) * per);
  for (let r = tid * per; r < r1; r++) {
    const o = out + (<usize>(r * n) << 2);
    const ar = a + rowOffset(r, ndim, shape, aStrides);
    const br = b + rowOffset(r, ndim, shape, bStrides);
    if (isInt) rowI32(op, o, ar, as, br, bs, n);
    else rowF32(op, o, ar, as, br, bs, n);
  }
}

/**
 * out[i] = cond[i] != 0 ? a[i] : b[i]. Args: condIsFloat, ndim, shape[8], outAddr,
 * condAddr, condStrides[8], aAddr, aStrides[8], bAddr, bStrides[8]. 4-byte elements.
 */
export function k_where(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const condIsFloat = arg(args, 0);
  const ndim = arg(args, 1);
  const shape = args + 8;
  const out = <usize>arg(args, 2 + MAX_DIMS);
  const c = <usize>arg(args, 3 + MAX_DIMS);
  const cStrides = args + (<usize>(4 + MAX_DIMS) << 2);
  const a = <usize>arg(args, 4 + 2 * MAX_DIMS);
  const aStrides = args + (<usize>(5 + 2 * MAX_DIMS) << 2);
  const b = <usize>arg(args, 5 + 3 * MAX_DIMS);
  const bStrides = args + (<usize>(6 + 3 * MAX_DIMS) << 2);
  const rows = rowCount(ndim, shape);
  const n = innerLen(ndim, shape);
  const cs = innerStride(ndim, cStrides);
  const as = innerStride(ndim, aStrides);
  const bs = innerStride(ndim, bStrides);
  const per = (rows + nt - 1) / nt;
  const r1 = min(rows, (tid + 1) * per);
  for (let r = tid * per; r < r1; r++) {
    const o = out + (<usize>(r * n) << 2);
    const cr = c + rowOffset(r, ndim, shape, cStrides);
    const ar = a + rowOffset(r, ndim, shape, aStrides);
    const br = b + rowOffset(r, ndim, shape, bStrides);
    for (let i = 0; i < n; i++) {
      const ca = cr + (<usize>(i * cs) << 2);
      const truthy = condIsFloat ? load<f32>(ca) != 0 : load<i32>(ca) != 0;
      store<i32>(o + (<usize>i << 2), truthy ? load<i32>(ar + (<usize>(i * as) << 2)) : load<i32>(br + (<usize>(i * bs) << 2)));
    }
  }
}

// Unary op codes, as in wasm-backend.ts.
const NEG = 0, EXP = 1, LOG = 2, TANH = 3, SQRT = 4, RSQRT = 5, ERF = 6;

/** out[i] = op(x[i]) over n dense f32. Args: op, n, outAddr, xAddr. */
export function k_unary(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const op = arg(args, 0);
  const n = arg(args, 1);
  const per = ((n + nt - 1) / nt + 3) & ~3;
  const i0 = min(n, tid * per);
  const i1 = min(n, i0 + per);
  const out = <usize>arg(args, 2) + (<usize>i0 << 2);
  const x = <usize>arg(args, 3) + (<usize>i0 << 2);
  const m = i1 - i0;
  let i = 0;
  if (op == NEG || op == SQRT || op == RSQRT || op == EXP || op == TANH) {
    for (; i + 4 <= m; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      let r: v128;
      switch (op) {
        case NEG: r = f32x4.neg(v); break;
        case SQRT: r = f32x4.sqrt(v); break;
        case RSQRT: r = f32x4.div(f32x4.splat(1), f32x4.sqrt(v)); break;
        case EXP: r = expF32x4(v); break;
        default: r = tanhF32x4(v);
      }
      v128.store(out + (<usize>i << 2), r);
    }
  }
  for (; i < m; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    let r: f32;
    switch (op) {
      case NEG: r = -v; break;
      case EXP: r = expF32(v); break;
      case LOG: r = logF32(v); break;
      case TANH: r = tanhF32(v); break;
      case SQRT: r = sqrt<f32>(v); break;
      case RSQRT: r = <f32>1 / sqrt<f32>(v); break;
      default: r = erfF32(v);
    }
    store<f32>(out + (<usize>i << 2), r);
  }
}

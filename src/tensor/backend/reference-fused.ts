/**
 * @file The fused row kernels of the reference backend: softmax, log-softmax,
 * cross-entropy, layer norm and GELU, forward and backward. Each is the definition of
 * its op: a fast backend may compute it in one pass, but must produce these bits.
 *
 * Every row reduction is the 16-lane sum (`LaneSum`): lane i % 16 accumulates element i
 * from +0, lanes fold 8-4-2-1. Column reductions over rows (layer norm's weight and bias
 * gradients) use the same order over the row index. Max is order-free (backend.ts).
 */
import { expF32, logF32, tanhF32 } from '../math/index.ts';
import type { FusedKernels } from './backend.ts';
import { maxF32, SUM_LANES, sumLanes } from './order.ts';

const f = Math.fround;
/** sqrt(2/pi), 0.044715 and 3 * 0.044715, as f32: the GELU (tanh form) constants. */
export const GELU_K = f(Math.sqrt(2 / Math.PI));
export const GELU_C = f(0.044715);
export const GELU_C3 = f(3 * 0.044715);

/** The 16-lane sum, fed one element at a time. */
class LaneSum {
  readonly #lanes = new Float64Array(SUM_LANES);
  #i = 0;
  add(v: number): void {
    const j = this.#i++ % SUM_LANES;
    this.#lanes[j] = f(this.#lanes[j]! + v);
  }
  /** The folded total; also resets for the next row. */
  take(): number {
    const total = sumLanes(this.#lanes);
    this.#lanes.fill(0);
    this.#i = 0;
    return total;
  }
}

function rowMax(x: Float32Array, base: number, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = maxF32(m, x[base + i]!);
  return m;
}

/** sum_i exp(x_i - m) over one row, with m its maximum. */
function expSum(x: Float32Array, base: number, n: number, m: number, acc: LaneSum): number {
  for (let i = 0; i < n; i++) acc.add(expF32(f(x[base + i]! - m)));
  return acc.take();
}

export const referenceFused: FusedKernels = {
  softmax(out, x, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const m = rowMax(x, base, n);
      for (let i = 0; i < n; i++) {
        out[base + i] = expF32(f(x[base + i]! - m));
        acc.add(out[base + i]!);
      }
      const s = acc.take();
      for (let i = 0; i < n; i++) out[base + i] = f(out[base + i]! / s);
    }
  },

  softmaxBackward(dx, y, g, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      for (let i = 0; i < n; i++) acc.add(f(g[base + i]! * y[base + i]!));
      const d = acc.take();
      for (let i = 0; i < n; i++) dx[base + i] = f(y[base + i]! * f(g[base + i]! - d));
    }
  },

  causalSoftmax(out, x, rows, n, scale) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const valid = (r % n) + 1; // row r is query position r % n: keys 0..r % n are visible
      let m = -Infinity;
      for (let j = 0; j < valid; j++) {
        out[base + j] = f(x[base + j]! * scale);
        m = maxF32(m, out[base + j]!);
      }
      for (let j = 0; j < valid; j++) {
        out[base + j] = expF32(f(out[base + j]! - m));
        acc.add(out[base + j]!);
      }
      const s = acc.take();
      for (let j = 0; j < valid; j++) out[base + j] = f(out[base + j]! / s);
      for (let j = valid; j < n; j++) out[base + j] = 0;
    }
  },

  causalSoftmaxBackward(dx, y, g, rows, n, scale) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const valid = (r % n) + 1;
      for (let j = 0; j < valid; j++) acc.add(f(g[base + j]! * y[base + j]!));
      const d = acc.take();
      for (let j = 0; j < valid; j++) dx[base + j] = f(f(y[base + j]! * f(g[base + j]! - d)) * scale);
      for (let j = valid; j < n; j++) dx[base + j] = 0;
    }
  },

  logSoftmax(out, x, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const m = rowMax(x, base, n);
      const l = logF32(expSum(x, base, n, m, acc));
      for (let i = 0; i < n; i++) out[base + i] = f(f(x[base + i]! - m) - l);
    }
  },

  logSoftmaxBackward(dx, y, g, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      for (let i = 0; i < n; i++) acc.add(g[base + i]!);
      const sg = acc.take();
      for (let i = 0; i < n; i++) dx[base + i] = f(g[base + i]! - f(expF32(y[base + i]!) * sg));
    }
  },

  crossEntropy(nll, x, targets, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const m = rowMax(x, base, n);
      const l = logF32(expSum(x, base, n, m, acc));
      nll[r] = f(l - f(x[base + targets[r]!]! - m));
    }
  },

  crossEntropyBackward(dx, x, targets, g, rows, n) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const m = rowMax(x, base, n);
      for (let i = 0; i < n; i++) {
        dx[base + i] = expF32(f(x[base + i]! - m));
        acc.add(dx[base + i]!);
      }
      const s = acc.take();
      for (let i = 0; i < n; i++) dx[base + i] = f(g[r]! * f(f(dx[base + i]! / s) - (i === targets[r] ? 1 : 0)));
    }
  },

  layerNorm(y, mean, rstd, x, w, b, rows, n, eps) {
    const acc = new LaneSum();
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      for (let i = 0; i < n; i++) acc.add(x[base + i]!);
      const mu = f(acc.take() / n);
      for (let i = 0; i < n; i++) {
        const xc = f(x[base + i]! - mu);
        acc.add(f(xc * xc));
      }
      const rs = f(1 / f(Math.sqrt(f(f(acc.take() / n) + eps))));
      for (let i = 0; i < n; i++) y[base + i] = f(f(f(f(x[base + i]! - mu) * rs) * w[i]!) + b[i]!);
      mean[r] = mu;
      rstd[r] = rs;
    }
  },

  layerNormBackward(dx, dw, db, x, w, mean, rstd, g, rows, n) {
    const acc = new LaneSum();
    const xhat = new Float32Array(n);
    const dxh = new Float32Array(n);
    // Column sums over rows for dw and db: lane r % 16 of column i, folded at the end.
    const dwLanes = new Float64Array(SUM_LANES * n);
    const dbLanes = new Float64Array(SUM_LANES * n);
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const lane = (r % SUM_LANES) * n;
      for (let i = 0; i < n; i++) {
        xhat[i] = f(f(x[base + i]! - mean[r]!) * rstd[r]!);
        dxh[i] = f(g[base + i]! * w[i]!);
        dwLanes[lane + i] = f(dwLanes[lane + i]! + f(g[base + i]! * xhat[i]!));
        dbLanes[lane + i] = f(dbLanes[lane + i]! + g[base + i]!);
        acc.add(dxh[i]!);
      }
      const a = f(acc.take() / n);
      for (let i = 0; i < n; i++) acc.add(f(dxh[i]! * xhat[i]!));
      const c = f(acc.take() / n);
      for (let i = 0; i < n; i++) dx[base + i] = f(f(f(dxh[i]! - a) - f(xhat[i]! * c)) * rstd[r]!);
    }
    const lanes = new Float64Array(SUM_LANES);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < SUM_LANES; j++) lanes[j] = dwLanes[j * n + i]!;
      dw[i] = sumLanes(lanes);
      for (let j = 0; j < SUM_LANES; j++) lanes[j] = dbLanes[j * n + i]!;
      db[i] = sumLanes(lanes);
    }
  },

  gelu(y, x) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const inner = f(f(v + f(f(f(v * v) * v) * GELU_C)) * GELU_K);
      y[i] = f(f(v * 0.5) * f(tanhF32(inner) + 1));
    }
  },

  geluBackward(dx, x, g) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const v2 = f(v * v);
      const t = tanhF32(f(f(v + f(f(v2 * v) * GELU_C)) * GELU_K));
      const a = f(0.5 * f(1 + t));
      const sech2 = f(1 - f(t * t));
      const dInner = f(GELU_K * f(1 + f(GELU_C3 * v2)));
      dx[i] = f(g[i]! * f(a + f(f(f(0.5 * v) * sech2) * dInner)));
    }
  },
};

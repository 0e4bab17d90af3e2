/**
 * @file The reference backend: plain TypeScript, slow, and the executable definition of
 * the numeric contract. Every arithmetic result passes through Math.fround (IEEE f32
 * round-to-nearest-even); multiply and add are never fused; each reduction has the one
 * order written in its comment; transcendentals come from tensor/math. A fast backend is
 * correct exactly when it produces the same bits as this file.
 */
import { expF32, logF32, tanhF32, erfF32 } from '../math/index.ts';
import { allocStorage, type DType, type Storage } from '../dtype.ts';
import { numel } from '../shape.ts';
import type { Backend, BinaryOp, ReduceOp, UnaryOp } from './backend.ts';
import { elementOffsets } from './strided.ts';
import { maxF32, SUM_LANES, sumLanes } from './order.ts';
import { referenceFused } from './reference-fused.ts';

const f = Math.fround;

function unaryFn(op: UnaryOp): (x: number) => number {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'exp':
      return expF32;
    case 'log':
      return logF32;
    case 'tanh':
      return tanhF32;
    case 'erf':
      return erfF32;
    case 'sqrt':
      return (x) => f(Math.sqrt(x));
    case 'rsqrt':
      return (x) => f(1 / f(Math.sqrt(x)));
    default:
      return op satisfies never;
  }
}

function binaryF32(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => f(a + b);
    case 'sub':
      return (a, b) => f(a - b);
    case 'mul':
      return (a, b) => f(a * b);
    case 'div':
      return (a, b) => f(a / b);
    case 'max':
      return maxF32;
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    default:
      return op satisfies never;
  }
}

function binaryI32(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => (a + b) | 0;
    case 'sub':
      return (a, b) => (a - b) | 0;
    case 'mul':
      return (a, b) => Math.imul(a, b);
    case 'div':
      return (a, b) => (b === 0 ? 0 : (a / b) | 0);
    case 'max':
      return (a, b) => (a > b ? a : b);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    default:
      return op satisfies never;
  }
}

export const referenceBackend: Backend = {
  name: 'reference',
  ...referenceFused,

  alloc(dtype: DType, size: number): Storage {
    return allocStorage(dtype, size);
  },
  pushScope() {},
  popScope() {},

  copy(dst, src) {
    const od = elementOffsets(dst);
    const os = elementOffsets(src);
    for (let i = 0; i < os.length; i++) dst.data[od[i]!] = src.data[os[i]!]!;
  },

  unary(op, out, x) {
    const fn = unaryFn(op);
    const offs = elementOffsets(x);
    for (let i = 0; i < offs.length; i++) out[i] = fn(x.data[offs[i]!]!);
  },

  binary(op, out, a, b) {
    const fn = out instanceof Float32Array ? binaryF32(op) : binaryI32(op);
    const oa = elementOffsets(a);
    const ob = elementOffsets(b);
    for (let i = 0; i < oa.length; i++) out[i] = fn(a.data[oa[i]!]!, b.data[ob[i]!]!);
  },

  where(out, cond, a, b) {
    const oc = elementOffsets(cond);
    const oa = elementOffsets(a);
    const ob = elementOffsets(b);
    for (let i = 0; i < oc.length; i++) out[i] = cond.data[oc[i]!] !== 0 ? a.data[oa[i]!]! : b.data[ob[i]!]!;
  },

  reduce(op: ReduceOp, out, x, outer, n, inner) {
    const lanes = new Float64Array(SUM_LANES);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        if (op === 'sum') {
          // Lane i % 16 accumulates element i, in increasing i, then the lanes fold pairwise.
          lanes.fill(0);
          for (let i = 0; i < n; i++) lanes[i % SUM_LANES] = f(lanes[i % SUM_LANES]! + x[base + i * inner]!);
          out[o * inner + j] = sumLanes(lanes);
        } else {
          let m = -Infinity;
          for (let i = 0; i < n; i++) m = maxF32(m, x[base + i * inner]!);
          out[o * inner + j] = m;
        }
      }
    }
  },

  matmul(out, a, b) {
    const nd = a.shape.length;
    const M = a.shape[nd - 2]!;
    const K = a.shape[nd - 1]!;
    const N = b.shape[nd - 1]!;
    const [sam, sak] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
    const [sbk, sbn] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
    // Offsets of each batch's [0, 0] element, from views of the batch dims alone.
    const batchShape = a.shape.slice(0, nd - 2);
    const aBase = elementOffsets({ ...a, shape: batchShape, strides: a.strides.slice(0, nd - 2) });
    const bBase = elementOffsets({ ...b, shape: batchShape, strides: b.strides.slice(0, nd - 2) });
    const batches = numel(batchShape);
    for (let p = 0; p < batches; p++) {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          // Sequential over k from +0: acc = round(acc + round(a * b)).
          let acc = 0;
          let ia = aBase[p]! + m * sam;
          let ib = bBase[p]! + n * sbn;
          for (let k = 0; k < K; k++, ia += sak, ib += sbk) acc = f(acc + f(a.data[ia]! * b.data[ib]!));
          out[(p * M + m) * N + n] = acc;
        }
      }
    }
  },

  gather(out, table, idx, rowSize) {
    for (let n = 0; n < idx.length; n++) {
      const src = idx[n]! * rowSize;
      for (let c = 0; c < rowSize; c++) out[n * rowSize + c] = table[src + c]!;
    }
  },

  scatterAdd(acc, idx, src, rowSize) {
    for (let n = 0; n < idx.length; n++) {
      const dst = idx[n]! * rowSize;
      for (let c = 0; c < rowSize; c++) acc[dst + c] = f(acc[dst + c]! + src[n * rowSize + c]!);
    }
  },
};

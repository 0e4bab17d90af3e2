// Reductions of the middle axis of a dense [outer, n, inner] buffer (backend.ts):
// sum in the 16-lane order, max order-free.
import { arg, laneSum, rowMax } from './common';

/** Column sums in the 16-lane order: scratch gets 16 lane rows of `cols` floats. */
export function columnLaneSum(out: usize, x: usize, rowStride: i32, rows: i32, cols: i32, scratch: usize): void {
  const bytes = <usize>cols << 2;
  memory.fill(scratch, 0, bytes * 16);
  for (let i = 0; i < rows; i++) {
    const lane = scratch + <usize>(i & 15) * bytes;
    const src = x + (<usize>(i * rowStride) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(lane + o, f32x4.add(v128.load(lane + o), v128.load(src + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(lane + o, load<f32>(lane + o) + load<f32>(src + o));
    }
  }
  // Fold lanes 8-4-2-1: lane j += lane j + width.
  for (let width = 8; width >= 1; width >>= 1) {
    for (let j = 0; j < width; j++) {
      const dst = scratch + <usize>j * bytes;
      const other = scratch + <usize>(j + width) * bytes;
      let c = 0;
      for (; c + 4 <= cols; c += 4) {
        const o = <usize>c << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(other + o)));
      }
      for (; c < cols; c++) {
        const o = <usize>c << 2;
        store<f32>(dst + o, load<f32>(dst + o) + load<f32>(other + o));
      }
    }
  }
  memory.copy(out, scratch, bytes);
}

/** Largest column block whose 16 lane rows fit in a thread's scratch. */
export const MAX_LANE_COLS = 16384;

/** Args: op (0 sum, 1 max), outAddr, xAddr, outer, n, inner. */
export function k_reduce(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const op = arg(args, 0);
  const out = <usize>arg(args, 1);
  const x = <usize>arg(args, 2);
  const outer = arg(args, 3);
  const n = arg(args, 4);
  const inner = arg(args, 5);
  if (inner == 1) {
    // Row reductions: threads split the rows.
    const per = (outer + nt - 1) / nt;
    const o1 = min(outer, (tid + 1) * per);
    for (let o = tid * per; o < o1; o++) {
      const row = x + (<usize>(o * n) << 2);
      store<f32>(out + (<usize>o << 2), op == 0 ? laneSum(row, n) : rowMax(row, n));
    }
    return;
  }
  // Column reductions: threads split the columns; each column keeps its own order.
  const per = (((inner + nt - 1) / nt) + 3) & ~3;
  const c0 = min(inner, tid * per);
  const c1 = min(inner, c0 + per);
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>(o * n * inner) << 2);
    for (let c = c0; c < c1; c += MAX_LANE_COLS) {
      const cols = min(MAX_LANE_COLS, c1 - c);
      const dst = out + (<usize>(o * inner + c) << 2);
      if (op == 0) {
        columnLaneSum(dst, base + (<usize>c << 2), inner, n, cols, scratch);
      } else {
        for (let j = 0; j < cols; j++) {
          let m: f32 = -Infinity;
          for (let i = 0; i < n; i++) m = max(m, load<f32>(base + (<usize>(i * inner + c + j) << 2)));
          store<f32>(dst + (<usize>j << 2), m);
        }
      }
    }
  }
}

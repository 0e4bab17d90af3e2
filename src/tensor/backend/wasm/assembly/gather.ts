// Row gather (embedding lookup) and its scatter-add gradient.
import { arg } from './common';

/** out[n, :] = table[idx[n], :]. Args: outAddr, tableAddr, idxAddr, N, rowSize. */
export function k_gather(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const out = <usize>arg(args, 0), table = <usize>arg(args, 1), idx = <usize>arg(args, 2);
  const N = arg(args, 3), C = arg(args, 4);
  const bytes = <usize>C << 2;
  const per = (N + nt - 1) / nt;
  const n1 = min(N, (tid + 1) * per);
  for (let n = tid * per; n < n1; n++) {
    memory.copy(out + <usize>n * bytes, table + <usize>load<i32>(idx + (<usize>n << 2)) * bytes, bytes);
  }
}

/**
 * acc[idx[n], :] += src[n, :] for n = 0..N-1 in increasing n. Threads split the columns,
 * so every element still receives its additions in increasing n.
 * Args: accAddr, idxAddr, srcAddr, N, rowSize.
 */
export function k_scatter_add(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const acc = <usize>arg(args, 0), idx = <usize>arg(args, 1), src = <usize>arg(args, 2);
  const N = arg(args, 3), C = arg(args, 4);
  const per = (((C + nt - 1) / nt) + 3) & ~3;
  const c0 = min(C, tid * per);
  const c1 = min(C, c0 + per);
  for (let n = 0; n < N; n++) {
    const dst = acc + (<usize>(load<i32>(idx + (<usize>n << 2)) * C) << 2);
    const s = src + (<usize>(n * C) << 2);
    let c = c0;
    for (; c + 4 <= c1; c += 4) {
      const o = <usize>c << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(s + o)));
    }
    for (; c < c1; c++) {
      const o = <usize>c << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(s + o));
    }
  }
}

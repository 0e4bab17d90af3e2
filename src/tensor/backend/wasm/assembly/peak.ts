// Probes for the benchmark's ceilings (never used in training):
// - k_peak: independent f32x4.mul and f32x4.add chains, no memory traffic: the flop rate of
//   unfused SIMD128 code as V8 compiles it. 6 multiply + 6 add chains = 48 flops per
//   iteration (more chains spill: V8 uses 16 xmm registers).
// - k_clock: a chain of dependent i32 multiplies (3 cycles each on current x86 cores), to
//   estimate the clock under load.
import { arg } from './common';

export function k_peak(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const iters = arg(args, 0);
  const c = f32x4.splat(1.0000001);
  const d = f32x4.splat(1e-30);
  let m0 = f32x4.splat(1), m1 = f32x4.splat(1.1), m2 = f32x4.splat(1.2), m3 = f32x4.splat(1.3), m4 = f32x4.splat(1.4), m5 = f32x4.splat(1.5);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(1), a2 = f32x4.splat(2), a3 = f32x4.splat(3), a4 = f32x4.splat(4), a5 = f32x4.splat(5);
  for (let i = 0; i < iters; i++) {
    m0 = f32x4.mul(m0, c); a0 = f32x4.add(a0, d);
    m1 = f32x4.mul(m1, c); a1 = f32x4.add(a1, d);
    m2 = f32x4.mul(m2, c); a2 = f32x4.add(a2, d);
    m3 = f32x4.mul(m3, c); a3 = f32x4.add(a3, d);
    m4 = f32x4.mul(m4, c); a4 = f32x4.add(a4, d);
    m5 = f32x4.mul(m5, c); a5 = f32x4.add(a5, d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), f32x4.add(f32x4.add(m4, m5), f32x4.add(f32x4.add(a0, a1), f32x4.add(f32x4.add(a2, a3), f32x4.add(a4, a5)))));
  v128.store(scratch, s); // keep the result live
}

export function k_clock(tid: i32, nt: i32, args: usize, scratch: usize): void {
  const iters = arg(args, 0);
  let x: i32 = arg(args, 1) | 1;
  for (let i = 0; i < iters; i++) x *= 0x2545f491;
  store<i32>(scratch, x);
}

/**
 * @file Learning-rate schedule: linear warmup, then cosine decay to a floor. Computed in f32
 * with our own cosine (tensor/math), because the rate feeds every parameter update and so
 * must be bit-identical on every machine (Math.cos may differ in its last bit).
 */
import { sinCosTurnsF32 } from '../tensor/math/index.ts';

const f = Math.fround;

export interface ScheduleConfig {
  readonly maxLr: number;
  readonly minLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

/**
 * The rate of step `step` (0-based): maxLr * (step + 1) / warmupSteps during warmup, then
 * minLr + 0.5 * (1 + cos(pi * progress)) * (maxLr - minLr), progress going 0 -> 1 at totalSteps.
 * @example lrAt(0, { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, totalSteps: 5000 }) // 1e-5
 */
export function lrAt(step: number, cfg: ScheduleConfig): number {
  const max = f(cfg.maxLr);
  const min = f(cfg.minLr);
  if (step < cfg.warmupSteps) return f(f(max * f(step + 1)) / f(cfg.warmupSteps));
  if (step >= cfg.totalSteps) return min;
  const progress = f(f(step - cfg.warmupSteps) / f(Math.max(1, cfg.totalSteps - cfg.warmupSteps)));
  // cos(pi * p) = cos(2 pi * (p / 2)): our sin/cos take turns.
  const cos = sinCosTurnsF32(f(progress * 0.5))[1];
  return f(min + f(f(0.5 * f(1 + cos)) * f(max - min)));
}

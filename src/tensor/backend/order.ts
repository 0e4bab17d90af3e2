/**
 * @file The two order-defining helpers of the numeric contract, shared by every kernel
 * definition: the 16-lane sum fold and the order-free f32 maximum.
 */
const f = Math.fround;

/** The 16 partial sums of the reduction order, combined pairwise (see Backend.reduce). */
export const SUM_LANES = 16;

/** Combines the 16 lane sums: halves fold onto each other, 8 -> 4 -> 2 -> 1. */
export function sumLanes(lanes: Float64Array | number[]): number {
  const s = Array.from(lanes);
  for (let width = SUM_LANES / 2; width >= 1; width /= 2) {
    for (let j = 0; j < width; j++) s[j] = f(s[j]! + s[j + width]!);
  }
  return s[0]!;
}

/**
 * IEEE 754-2019 `maximum` (as WebAssembly's f32.max): NaN if either is NaN, and +0 > -0,
 * so the result does not depend on operand order and max-reductions are order-free.
 */
export function maxF32(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return a === 0 && Object.is(a, -0) ? b : a;
  return a > b ? a : b;
}


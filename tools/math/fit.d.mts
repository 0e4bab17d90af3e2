// Type declarations for tools/math/fit.mjs (plain JS so it runs with bare node).

/** erf(x) in float64, relative error below ~1e-13. */
export function erf64(x: number): number;
/** erfc(x) in float64 for x >= 0. */
export function erfc64(x: number): number;
/** erfc(x) * exp(x^2) in float64 for x >= 0. */
export function erfcx64(x: number): number;
/** Smallest f32 x with erfc(x) < 2^-25. */
export function erfOneThreshold(): number;
/** Shortest decimal string that rounds (as f32) back to x. */
export function f32Literal(x: number): string;
export function sinCosTurns64(v: number): [number, number];

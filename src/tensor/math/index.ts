/**
 * @file The f32 transcendentals of the numeric contract: every function is a
 * fixed sequence of correctly rounded f32 operations (no FMA, no libm), so
 * all honest machines compute identical bits. Decompositions, constants and
 * measured errors: docs/numerics-transcendentals.md.
 */
export { expF32 } from './exp.ts';
export { logF32 } from './log.ts';
export { tanhF32 } from './tanh.ts';
export { erfF32 } from './erf.ts';
export { sinCosTurnsF32 } from './trig.ts';
export { f32ToBits, bitsToF32, ldexpF32, pow2F32 } from './f32.ts';

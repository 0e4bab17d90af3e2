export { expF32 } from './exp.ts';
export { logF32 } from './log.ts';
export { tanhF32 } from './tanh.ts';
export { erfF32 } from './erf.ts';
export { sinCosTurnsF32 } from './trig.ts';

/**
 * @packageDocumentation
 * Optimizers and training steps as pure functions over flat buffers; checkpoints.
 */
export * from './adamw.ts';
export * from './schedule.ts';
export * from './clip.ts';
export * from './trainer.ts';
export * from './checkpoint.ts';
export * from './outer.ts';
export * from './aggregate.ts';
export * from './demo.ts';
export * from './fragments.ts';
export * from './sim-config.ts';
export * from './simulate.ts';
export * from './comm-model.ts';

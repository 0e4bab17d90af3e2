/**
 * @packageDocumentation
 * Optimizers and training steps as pure functions over flat buffers; checkpoints.
 */
export * from './adamw.ts';
export * from './schedule.ts';
export * from './clip.ts';
export * from './trainer.ts';
export * from './checkpoint.ts';

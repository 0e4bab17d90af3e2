/**
 * @packageDocumentation
 * Running participants composed from the layers above: the coordinator and the trainer,
 * their ledger file, metrics, and the run setup.
 */
export * from './run.ts';
export * from './metrics.ts';
export * from './ledger-file.ts';
export * from './client.ts';
export * from './coordinator-node.ts';
export * from './trainer-node.ts';
export * from './clock.ts';

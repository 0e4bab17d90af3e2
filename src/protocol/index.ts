/**
 * @packageDocumentation
 * The run protocol (layer 5), with no I/O: message types and their canonical wire format,
 * identities and signatures, Merkle trees, data assignment, the ledger format, run configs.
 */
export * from './types.ts';
export * from './transport.ts';
export * from './errors.ts';
export * from './hash.ts';
export * from './schema.ts';
export * from './wire.ts';
export * from './identity.ts';
export * from './merkle.ts';
export * from './assignment.ts';
export * from './ledger.ts';
export * from './run.ts';
export * from './model-state.ts';
export * from './coordinator.ts';

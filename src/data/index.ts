/**
 * @packageDocumentation
 * The data layer: tokenizers, corpus shards with a verified manifest, deterministic batches.
 */
export * from './errors.ts';
export * from './tokenizer.ts';
export * from './shards.ts';
export * from './batches.ts';
export * from './bpe.ts';

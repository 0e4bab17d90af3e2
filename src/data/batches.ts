/**
 * @file Batch sampling as a pure function of (seed, step, worker): any machine can recompute
 * exactly which windows a worker trained on at any step, which replay and data-assignment
 * checks rely on.
 */
import { deriveKey, randomBits } from '../tensor/index.ts';
import { DataError } from './errors.ts';

export interface BatchSpec {
  readonly seed: number;
  readonly step: number;
  readonly worker: number;
  readonly batchSize: number;
  readonly contextLength: number;
}

export interface Batch {
  /** [batchSize, contextLength] tokens, row-major. */
  readonly inputs: Int32Array;
  /** The same windows shifted by one token: the next-token targets. */
  readonly targets: Int32Array;
  /** Start offset of each window in the split. */
  readonly starts: Int32Array;
}

/**
 * B windows of T + 1 tokens; window b starts at word b of the Philox stream keyed by
 * (seed, 'batch', worker, step), modulo (N - T). (The modulo bias is below 2^-32 * N.)
 * @example sampleBatch(train, { seed: 1, step: 0, worker: 0, batchSize: 16, contextLength: 128 })
 */
export function sampleBatch(tokens: Int32Array, spec: BatchSpec): Batch {
  const { batchSize: B, contextLength: T } = spec;
  if (!Number.isInteger(B) || B <= 0 || !Number.isInteger(T) || T <= 0) {
    throw new DataError(`batchSize and contextLength must be positive integers, got ${B} and ${T}`);
  }
  if (tokens.length < T + 1) throw new DataError(`context length ${T} needs at least ${T + 1} tokens, the split has ${tokens.length}`);
  const span = tokens.length - T;
  const words = randomBits(deriveKey(spec.seed, 'batch', spec.worker, spec.step), B);
  const starts = Int32Array.from(words, (w) => w % span);
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  starts.forEach((s, b) => {
    inputs.set(tokens.subarray(s, s + T), b * T);
    targets.set(tokens.subarray(s + 1, s + T + 1), b * T);
  });
  return { inputs, targets, starts };
}

/**
 * @file A run's configuration, its canonical encoding, and its id.
 *
 * A run is fixed by its config and its initial weights. The run manifest, the canonical CBOR
 * array [config, initialModel] (config as the RunConfig message map, with `v`), is stored as a
 * blob; its SHA-256 is the run id, so a peer holding the manifest can check it is in the run it
 * meant to join, and every field below is covered by every signature that names the run.
 */
import { encode } from 'cborg';
import type { GptConfig } from '../nn/config.ts';
import type { OuterConfig } from '../optim/outer.ts';
import type { CodecSpec } from '../compress/registry.ts';
import { sha256Hex } from './hash.ts';
import { bool, fail, finite, hex64, isPlainObject, oneOf, refine, struct, text, uint, type Schema } from './schema.ts';
import type { Hash } from './types.ts';
import { BOUNDS, decodeCanonical, decodeMessage, encodeMessage, LIMITS, withLimit, withoutVersion, withVersion } from './wire.ts';

/**
 * Everything every participant must agree on to compute the same bits.
 * @example const config: RunConfig = { ...presetRunConfig(init), H: 50 };
 */
export interface RunConfig {
  readonly name: string;
  readonly model: GptConfig;
  /** Seed of the initial weights and of batch sampling. */
  readonly seed: number;
  /** Sequences per trainer per inner step. */
  readonly batchSize: number;
  /** Inner steps per round. */
  readonly H: number;
  /** Peak inner (AdamW) learning rate. */
  readonly innerLr: number;
  readonly warmupSteps: number;
  /** Total rounds of the run. */
  readonly rounds: number;
  readonly outer: OuterConfig;
  /** How pseudo-gradients are encoded. */
  readonly codec: CodecSpec;
  readonly errorFeedback: boolean;
  readonly minPeers: number;
  readonly maxPeers: number;
  /** A round's training deadline, after it opens. */
  readonly trainSeconds: number;
  readonly heartbeatSeconds: number;
  /** A peer not heard from for this long is dropped. */
  readonly evictAfterSeconds: number;
  /** The training text: its name (informational) and its SHA-256 (checked before training). */
  readonly corpus: { readonly name: string; readonly sha256: Hash };
}

// Generous upper bounds: a config from the network must not make a node allocate without limit.
const modelSchema = refine(struct<GptConfig>({
  vocabSize: uint(1, 1 << 20), contextLength: uint(1, 1 << 16), numLayers: uint(1, 1024), numHeads: uint(1, 1024), embedDim: uint(1, 1 << 16),
}), (m) => m.embedDim % m.numHeads === 0, 'embedDim must be divisible by numHeads');

const outerSchema = struct<OuterConfig>({
  lr: finite((x) => x > 0, 'positive'), momentum: finite((x) => x >= 0 && x < 1, 'in [0, 1)'), nesterov: bool,
});

// Every CodecSpec without parameters; a codec added to src/compress must be added here to be usable in a run.
const denseCodec = struct<{ readonly name: Exclude<CodecSpec['name'], 'dct-topk'> }>({ name: oneOf(['fp32', 'fp16', 'bf16', 'int8', 'fp4'] as const) });
// k is kept per 64 x 64 block, so it is at most 4096.
const dctCodec = struct<Extract<CodecSpec, { readonly name: 'dct-topk' }>>({ name: oneOf(['dct-topk']), k: uint(1, 4096) });
const codecSchema: Schema<CodecSpec> = (v, path, exact) => {
  if (isPlainObject(v) && !Object.hasOwn(v, 'name')) fail(`${path}.name`, 'missing field');
  return isPlainObject(v) && v['name'] === 'dct-topk' ? dctCodec(v, path, exact) : denseCodec(v, path, exact);
};

// Deadlines are whole Unix milliseconds on the wire, so durations must be whole milliseconds.
const seconds = finite((x) => x > 0 && Number.isSafeInteger(x * 1000), 'positive, whole-millisecond');

const configSchema = refine(refine(struct<RunConfig>({
  name: text(128, 1), model: modelSchema, seed: uint(), batchSize: uint(1, 1 << 16), H: uint(1, 1 << 20),
  innerLr: finite((x) => x > 0, 'positive'), warmupSteps: uint(), rounds: uint(1), outer: outerSchema, codec: codecSchema,
  errorFeedback: bool, minPeers: uint(1, BOUNDS.members), maxPeers: uint(1, BOUNDS.members),
  trainSeconds: seconds, heartbeatSeconds: seconds, evictAfterSeconds: seconds,
  corpus: struct<RunConfig['corpus']>({ name: text(256, 1), sha256: hex64 }),
}), (c) => c.maxPeers >= c.minPeers, 'maxPeers must be at least minPeers'),
(c) => c.evictAfterSeconds > c.heartbeatSeconds, 'evictAfterSeconds must exceed heartbeatSeconds');

/**
 * Throws ProtocolError('malformed') naming the first bad field ("RunConfig.outer.momentum: ...").
 * @example validateRunConfig({ ...config, H: 0 }) // throws: RunConfig.H
 */
export function validateRunConfig(cfg: RunConfig): void {
  configSchema(cfg, 'RunConfig', false);
}

/**
 * Canonical CBOR of a config (a map of its fields plus `v`).
 * @example const bytes = encodeRunConfig(config);
 */
export function encodeRunConfig(cfg: RunConfig): Uint8Array {
  return encodeMessage(configSchema, cfg, 'RunConfig', LIMITS.runConfig);
}

/**
 * Strict inverse of encodeRunConfig: exact fields, canonical bytes, ProtocolError otherwise.
 * @example const config = decodeRunConfig(bytes);
 */
export function decodeRunConfig(bytes: Uint8Array): RunConfig {
  return decodeMessage(configSchema, bytes, 'RunConfig', LIMITS.runConfig);
}

/**
 * The run manifest: canonical CBOR of [config, initialModel]; its SHA-256 is the run id.
 * @example store.put(encodeRunManifest(config, initialModel)) === runId(config, initialModel) // true
 */
export function encodeRunManifest(config: RunConfig, initialModel: Hash): Uint8Array {
  const clean = configSchema(config, 'RunManifest.config', false);
  return withLimit(encode([withVersion(clean), hex64(initialModel, 'RunManifest.initialModel', false)]), 'RunManifest', LIMITS.runConfig);
}

/**
 * Strict inverse of encodeRunManifest.
 * @example const { config, initialModel } = decodeRunManifest(await fetchBlob(runId));
 */
export function decodeRunManifest(bytes: Uint8Array): { config: RunConfig; initialModel: Hash } {
  return decodeCanonical(bytes, 'RunManifest', LIMITS.runConfig, (raw) => {
    if (!Array.isArray(raw) || raw.length !== 2) return fail('RunManifest', 'expected an array [config, initialModel]');
    const config = configSchema(withoutVersion(raw[0], 'RunManifest.config'), 'RunManifest.config', true);
    return { config, initialModel: hex64(raw[1], 'RunManifest.initialModel', true) };
  }, ({ config, initialModel }) => encode([withVersion(config), initialModel]));
}

/**
 * The run id: SHA-256 of the run manifest, i.e. of the canonical encoding of [config, initialModel].
 * @example const run = runId(config, store.put(initialCheckpoint));
 */
export function runId(config: RunConfig, initialModel: Hash): Hash {
  return sha256Hex(encodeRunManifest(config, initialModel));
}

/**
 * @file A run as a node sees it: the config, its id, the codec and data it implies, and the
 * creation of a new run (initial weights, the run manifest blob whose hash is the run id).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gptParamShapes, gptTiny, gptSmall, initGpt } from '../nn/index.ts';
import { numel } from '../tensor/index.ts';
import { byteTokenizer, prepareCorpus, readShards } from '../data/index.ts';
import { outerDefaults } from '../optim/index.ts';
import { createCodec, type Codec } from '../compress/index.ts';
import {
  decodeRunManifest, encodeModelState, encodeRunManifest, validateRunConfig, type BlobStore, type Hash, type ModelState, type RunConfig,
} from '../protocol/index.ts';

/** What every participant derives from the run manifest. */
export interface RunContext {
  readonly run: Hash;
  readonly config: RunConfig;
  readonly initialModel: Hash;
  readonly codec: Codec;
  /** Parameters in the model. */
  readonly size: number;
  /** Exact payload size of one contribution. */
  readonly payloadBytes: number;
}

export function runContext(manifest: Uint8Array): RunContext {
  const { config, initialModel } = decodeRunManifest(manifest);
  const run = sha256(manifest);
  const shapes = gptParamShapes(config.model).map(([, s]) => s);
  const size = shapes.reduce((s, shape) => s + numel(shape), 0);
  const codec = createCodec(config.codec, shapes);
  return { run, config, initialModel, codec, size, payloadBytes: codec.byteLength(size) };
}

export function sha256(bytes: Uint8Array): Hash {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The raw 32-byte SHA-256 of `bytes` (node:crypto: fast enough to hash the parameters every step). */
export function sha256Digest(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export interface PresetInit {
  readonly preset: 'tiny' | 'small';
  readonly corpus: string;
  readonly rounds?: number;
  readonly H?: number;
  readonly batchSize?: number;
  readonly minPeers?: number;
  readonly trainSeconds?: number;
  readonly seed?: number;
  readonly codec?: RunConfig['codec'];
}

/** A run config for a preset with DiLoCo defaults (outer Nesterov 0.7 / 0.9, int8 payloads). */
export function presetRunConfig(init: PresetInit): RunConfig {
  const text = readFileSync(init.corpus);
  const config: RunConfig = {
    name: `${init.preset}-diloco`, model: init.preset === 'tiny' ? gptTiny() : gptSmall(), seed: init.seed ?? 1,
    batchSize: init.batchSize ?? 4, H: init.H ?? 20, innerLr: 3e-3, warmupSteps: 20, rounds: init.rounds ?? 10,
    outer: outerDefaults(), codec: init.codec ?? { name: 'int8' }, errorFeedback: false,
    minPeers: init.minPeers ?? 1, maxPeers: 64, trainSeconds: init.trainSeconds ?? 120, heartbeatSeconds: 1, evictAfterSeconds: 6,
    corpus: { name: init.corpus.split('/').pop() ?? init.corpus, sha256: sha256(text) },
  };
  validateRunConfig(config);
  return config;
}

/**
 * Create a run: the initial weights (seeded), the manifest; both stored as blobs.
 * @returns the manifest bytes (their SHA-256 is the run id) and the initial state.
 */
export function createRun(config: RunConfig, store: BlobStore): { manifest: Uint8Array; state: ModelState; context: RunContext } {
  validateRunConfig(config);
  const params = Float32Array.from(initGpt(config.model, config.seed).flat);
  const state: ModelState = { params, momentum: new Float32Array(params.length), round: 0 };
  const initialModel = store.put(encodeModelState(config.model, state));
  const manifest = encodeRunManifest(config, initialModel);
  store.put(manifest);
  return { manifest, state, context: runContext(manifest) };
}

/** The train/validation token splits of the run's corpus, checked against its SHA-256. */
export function loadRunData(config: RunConfig, corpusPath: string, dir: string): { train: Int32Array; val: Int32Array } {
  const text = readFileSync(corpusPath);
  if (sha256(text) !== config.corpus.sha256) throw new Error(`corpus ${corpusPath} does not match the run's corpus ${config.corpus.name} (sha256 ${config.corpus.sha256.slice(0, 12)})`);
  prepareCorpus(corpusPath, join(dir, 'data'), byteTokenizer());
  return readShards(join(dir, 'data'));
}

/**
 * @file Checkpoints as safetensors: the parameters under their Hugging Face GPT-2 names (so
 * PyTorch and other tools read them directly), AdamW's moments as `optimizer.m.<name>` and
 * `optimizer.v.<name>`, and in `__metadata__` the format tag, the train config, the step and
 * the optimizer's scalar state. Everything a run needs to continue bit for bit.
 *
 * Writing goes to a temporary file that is renamed over the target, so a crash mid-write
 * never leaves a corrupt checkpoint behind.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Backend } from '../tensor/index.ts';
import { gptParamShapes, ParamStore, readSafetensors, writeSafetensors, type RawTensor } from '../nn/index.ts';
import type { TrainConfig, TrainState } from './trainer.ts';

export const CHECKPOINT_FORMAT = 'tessera-checkpoint-v1';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** Writes `state` to `path` (atomically: temp file + rename). */
export function saveCheckpoint(path: string, state: TrainState): void {
  const { params, adam } = state;
  const entries: Array<[string, RawTensor]> = [];
  for (const e of params.entries) entries.push([e.name, { dtype: 'F32', shape: e.shape, data: params.slice(e.name) }]);
  for (const [prefix, buffer] of [['optimizer.m.', adam.m], ['optimizer.v.', adam.v]] as const) {
    for (const e of params.entries) {
      entries.push([prefix + e.name, { dtype: 'F32', shape: e.shape, data: buffer.subarray(e.offset, e.offset + params.slice(e.name).length) }]);
    }
  }
  const metadata = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(state.config),
    step: String(state.step),
    adam: JSON.stringify({ step: adam.step, beta1Power: adam.beta1Power, beta2Power: adam.beta2Power }),
  };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, writeSafetensors(entries, metadata));
  renameSync(tmp, path);
}

function parseJson<T>(text: string | undefined, what: string): T {
  if (text === undefined) throw new CheckpointError(`checkpoint metadata lacks '${what}'`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CheckpointError(`checkpoint metadata '${what}' is not valid JSON`);
  }
}

/**
 * Reads a checkpoint written by saveCheckpoint into a fresh state on `backend`. Every
 * tensor must be present with its expected shape and finite values.
 * @example const state = loadCheckpoint('run/ckpt.safetensors');
 */
export function loadCheckpoint(path: string, backend?: Backend): TrainState {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(err as Error).message}`);
  }
  const file = readSafetensors(bytes);
  if (file.metadata['format'] !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${path} is not a ${CHECKPOINT_FORMAT} file (format ${JSON.stringify(file.metadata['format'])})`);
  }
  const config = parseJson<TrainConfig>(file.metadata['config'], 'config');
  const adamScalars = parseJson<{ step: number; beta1Power: number; beta2Power: number }>(file.metadata['adam'], 'adam');
  const step = Number(file.metadata['step']);
  if (!Number.isInteger(step) || step < 0) throw new CheckpointError(`checkpoint step ${JSON.stringify(file.metadata['step'])} is not a step count`);
  const params = new ParamStore(gptParamShapes(config.model), backend);
  const m = new Float32Array(params.size);
  const v = new Float32Array(params.size);
  const take = (name: string, dst: Float32Array, shape: readonly number[]): void => {
    const t = file.tensors.get(name);
    if (t === undefined) throw new CheckpointError(`checkpoint lacks tensor '${name}'`);
    if (t.dtype !== 'F32' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`checkpoint tensor '${name}' is ${t.dtype}[${t.shape.join(',')}], expected F32[${shape.join(',')}]`);
    }
    const bad = (t.data as Float32Array).findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CheckpointError(`checkpoint tensor '${name}' holds ${t.data[bad]} at ${bad}`);
    dst.set(t.data);
  };
  for (const e of params.entries) {
    take(e.name, params.slice(e.name), e.shape);
    take(`optimizer.m.${e.name}`, m.subarray(e.offset, e.offset + params.slice(e.name).length), e.shape);
    take(`optimizer.v.${e.name}`, v.subarray(e.offset, e.offset + params.slice(e.name).length), e.shape);
  }
  return {
    config, params, step, grads: new Float32Array(params.size),
    adam: { step: adamScalars.step, m, v, beta1Power: adamScalars.beta1Power, beta2Power: adamScalars.beta2Power },
  };
}

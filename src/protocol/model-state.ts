/**
 * @file The shared state of a run between rounds, and the deterministic step that moves it:
 * the global parameters and DiLoCo's outer momentum, serialised as a safetensors checkpoint
 * whose SHA-256 names it (the `model` hash of status messages and ledger records). Every honest
 * participant that applies the same accepted contributions in canonical order to the same
 * state produces the same bytes, so comparing hashes is comparing models.
 */
import { gptParamShapes, readSafetensors, writeSafetensors, type GptConfig, type RawTensor } from '../nn/index.ts';
import { aggregate, outerStep, type AggregationRule, type OuterConfig } from '../optim/index.ts';
import { CodecError, type Codec } from '../compress/index.ts';
import { numel } from '../tensor/index.ts';
import { ProtocolError } from './errors.ts';

export const MODEL_STATE_FORMAT = 'tessera-run-state-v1';
const MOMENTUM = 'outer.momentum';

export interface ModelState {
  /** The global parameters, flat, in gptParamShapes order. */
  readonly params: Float32Array;
  /** The outer optimizer's Nesterov buffer (same layout). */
  readonly momentum: Float32Array;
  /** Rounds applied so far (0 = the initial model). */
  readonly round: number;
}

/**
 * Canonical checkpoint bytes of a run state (loadable by PyTorch's safetensors).
 * @example const bytes = encodeModelState(cfg.model, { params, momentum, round: 0 });
 */
export function encodeModelState(model: GptConfig, state: ModelState): Uint8Array {
  const entries: Array<[string, RawTensor]> = [];
  let offset = 0;
  for (const [name, shape] of gptParamShapes(model)) {
    const size = numel(shape);
    entries.push([name, { dtype: 'F32', shape, data: state.params.subarray(offset, offset + size) }]);
    offset += size;
  }
  if (offset !== state.params.length || state.momentum.length !== offset) throw new RangeError(`model state sizes ${state.params.length}/${state.momentum.length} do not match the model (${offset})`);
  entries.push([MOMENTUM, { dtype: 'F32', shape: [offset], data: state.momentum }]);
  return writeSafetensors(entries, { format: MODEL_STATE_FORMAT, round: String(state.round) });
}

/**
 * Parse and check checkpoint bytes: the format, every tensor's name and shape, and that every
 * value is finite. Anything else is a ProtocolError; nothing partial is returned. (Which run and
 * round a checkpoint belongs to is proven by its hash in the ledger, not by its metadata.)
 */
export function decodeModelState(bytes: Uint8Array, model: GptConfig): ModelState {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (err) {
    throw new ProtocolError('malformed', `checkpoint: ${(err as Error).message}`);
  }
  const meta = file.metadata;
  if (meta['format'] !== MODEL_STATE_FORMAT) throw new ProtocolError('malformed', `checkpoint format ${meta['format']}, expected ${MODEL_STATE_FORMAT}`);
  const round = Number(meta['round']);
  if (!Number.isSafeInteger(round) || round < 0) throw new ProtocolError('malformed', `checkpoint round ${meta['round']}`);
  const shapes = gptParamShapes(model);
  const total = shapes.reduce((s, [, shape]) => s + numel(shape), 0);
  if (file.tensors.size !== shapes.length + 1) throw new ProtocolError('malformed', `checkpoint holds ${file.tensors.size} tensors, expected ${shapes.length + 1}`);
  const params = new Float32Array(total);
  let offset = 0;
  const take = (name: string, shape: readonly number[], out: Float32Array, at: number): void => {
    const t = file.tensors.get(name);
    if (t === undefined || t.dtype !== 'F32' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ProtocolError('malformed', `checkpoint tensor ${name}: missing or not F32 ${JSON.stringify(shape)}`);
    }
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw new ProtocolError('non-finite', `checkpoint tensor ${name}[${i}] is ${data[i]}`);
    out.set(data, at);
  };
  for (const [name, shape] of shapes) {
    take(name, shape, params, offset);
    offset += numel(shape);
  }
  const momentum = new Float32Array(total);
  take(MOMENTUM, [total], momentum, 0);
  return { params, momentum, round };
}

/**
 * The largest |value| a decoded pseudo-gradient may hold (protocol version 1). A pseudo-gradient
 * is the difference of two parameter vectors H optimizer steps apart; honest ones are orders of
 * magnitude smaller. The bound keeps any sum of up to 1024 contributions, and the Nesterov
 * buffer built from them, far from f32 overflow, so no accepted contribution can turn the
 * model into Inf or NaN.
 */
export const MAX_CONTRIBUTION_ABS = 1000;

/**
 * Decode one contribution's payload strictly: a CodecError becomes a ProtocolError with the
 * matching reason ('non-finite' for NaN/Inf, 'malformed' for everything else), and a value
 * beyond MAX_CONTRIBUTION_ABS is 'malformed'.
 */
export function decodeContribution(codec: Codec, payload: Uint8Array, size: number): Float32Array {
  let x: Float32Array;
  try {
    x = codec.decode(payload, size);
  } catch (err) {
    if (err instanceof CodecError) throw new ProtocolError(err.reason === 'non-finite' ? 'non-finite' : 'malformed', `payload: ${err.message}`);
    throw err;
  }
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i]!) <= MAX_CONTRIBUTION_ABS)) throw new ProtocolError('malformed', `payload value ${i} is ${x[i]}, beyond the bound ${MAX_CONTRIBUTION_ABS}`);
  }
  return x;
}

/**
 * The outer step of one round: aggregate the decoded pseudo-gradients (already in canonical
 * order) and apply Nesterov to copies of the state. No contributions: the state only counts
 * the round.
 * @example const next = applyRound(state, [deltaA, deltaB], outerDefaults());
 */
export function applyRound(state: ModelState, contributions: readonly Float32Array[], outer: OuterConfig, rule?: AggregationRule): ModelState {
  const params = Float32Array.from(state.params);
  const momentum = Float32Array.from(state.momentum);
  if (contributions.length > 0) outerStep(params, momentum, aggregate(contributions, rule), outer);
  return { params, momentum, round: state.round + 1 };
}

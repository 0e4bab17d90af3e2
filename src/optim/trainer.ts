/**
 * @file One training step of a GPT on one device: forward, backward, global-norm clipping,
 * the scheduled AdamW update. Everything that decides the bits of the next parameters is a
 * pure function of the state and the batch, so a run resumed from a checkpoint continues
 * exactly as if it had never stopped.
 */
import { noGrad, tensor, tidy, type Backend } from '../tensor/index.ts';
import { gptForward, initGpt, type GptConfig, type ParamStore } from '../nn/index.ts';
import { sampleBatch, type Batch } from '../data/index.ts';
import { adamwStep, initAdamW, type AdamWConfig, type AdamWState } from './adamw.ts';
import { clipGradNorm } from './clip.ts';
import { lrAt, type ScheduleConfig } from './schedule.ts';

export interface TrainConfig {
  readonly model: GptConfig;
  readonly seed: number;
  readonly batchSize: number;
  readonly adamw: AdamWConfig;
  readonly schedule: ScheduleConfig;
  /** Global-norm clip (0 = off). */
  readonly gradClip: number;
  /** The tokenizer: 'bytes', or the path of a Hugging Face tokenizer.json. */
  readonly tokenizer?: string;
}

export interface TrainState {
  readonly config: TrainConfig;
  readonly params: ParamStore;
  readonly adam: AdamWState;
  /** Steps completed. */
  step: number;
  /** Gradient buffer, reused every step. */
  readonly grads: Float32Array;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  lr: number;
}

export function createTrainState(config: TrainConfig, backend?: Backend): TrainState {
  const params = initGpt(config.model, config.seed, backend);
  return { config, params, adam: initAdamW(params.size), step: 0, grads: new Float32Array(params.size) };
}

/**
 * Forward and backward on `batch` (inputs/targets of [batchSize, contextLength]): writes the
 * flat gradient into `state.grads` and returns the loss. Parameters are not touched.
 * @example const loss = forwardBackward(state, batch); // state.grads now holds d loss / d params
 */
export function forwardBackward(state: TrainState, batch: Batch): number {
  const { config, params, grads } = state;
  const B = batch.starts.length;
  const T = batch.inputs.length / B;
  return tidy(() => {
    const shape = [B, T];
    const out = gptForward(params, config.model, tensor(batch.inputs, shape, { dtype: 'i32', backend: params.backend }), tensor(batch.targets, shape, { dtype: 'i32', backend: params.backend }));
    out.loss!.backward();
    params.gradFlat(grads);
    params.zeroGrad();
    return out.loss!.item();
  }, params.backend);
}

/**
 * Clip `state.grads` and apply the scheduled AdamW update. A NaN or infinite loss or gradient
 * norm leaves the parameters unchanged (and the step counter where it was).
 */
export function applyGradients(state: TrainState, loss: number): StepResult {
  const { config, params, grads } = state;
  const gradNorm = config.gradClip > 0 ? clipGradNorm(grads, config.gradClip) : NaN;
  const lr = lrAt(state.step, config.schedule);
  if (Number.isFinite(loss) && (config.gradClip === 0 || Number.isFinite(gradNorm))) {
    adamwStep(params.flat, grads, state.adam, config.adamw, lr);
    state.step += 1;
  }
  return { loss, gradNorm, lr };
}

/**
 * One step on `batch`: forwardBackward then applyGradients.
 * @example const { loss } = trainStep(state, sampleBatch(train, { seed, step: state.step, worker: 0, batchSize, contextLength }));
 */
export function trainStep(state: TrainState, batch: Batch): StepResult {
  return applyGradients(state, forwardBackward(state, batch));
}

export interface ValidationSpec {
  readonly seed: number;
  readonly batches: number;
  readonly batchSize: number;
}

/**
 * Mean loss of `params` over `batches` fixed validation batches: batch i is sampleBatch(val,
 * { seed, step: i, worker: -1 }), the same windows at every evaluation and for every method.
 * @example validationLoss(state.params, cfg.model, val, { seed: 1, batches: 8, batchSize: 16 })
 */
export function validationLoss(params: ParamStore, model: GptConfig, val: Int32Array, spec: ValidationSpec): number {
  const T = model.contextLength;
  let sum = 0;
  for (let i = 0; i < spec.batches; i++) {
    const b = sampleBatch(val, { seed: spec.seed, step: i, worker: -1, batchSize: spec.batchSize, contextLength: T });
    sum += tidy(() => noGrad(() => {
      const shape = [spec.batchSize, T];
      const { loss } = gptForward(params, model, tensor(b.inputs, shape, { dtype: 'i32', backend: params.backend }), tensor(b.targets, shape, { dtype: 'i32', backend: params.backend }));
      return loss!.item();
    }), params.backend);
  }
  return sum / spec.batches;
}

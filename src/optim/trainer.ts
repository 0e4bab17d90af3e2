/**
 * @file One training step of a GPT on one device: forward, backward, global-norm clipping,
 * the scheduled AdamW update. Everything that decides the bits of the next parameters is a
 * pure function of the state and the batch, so a run resumed from a checkpoint continues
 * exactly as if it had never stopped.
 */
import { tensor, tidy, type Backend } from '../tensor/index.ts';
import { gptForward, initGpt, type GptConfig, type ParamStore } from '../nn/index.ts';
import type { Batch } from '../data/index.ts';
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
 * One step on `batch` (inputs/targets of [batchSize, contextLength]). A NaN or infinite
 * loss or gradient norm leaves the parameters unchanged and is reported in the result.
 * @example const { loss } = trainStep(state, sampleBatch(train, { seed, step: state.step, worker: 0, batchSize, contextLength }));
 */
export function trainStep(state: TrainState, batch: Batch): StepResult {
  const { config, params, grads } = state;
  const T = batch.inputs.length / config.batchSize;
  const loss = tidy(() => {
    const shape = [config.batchSize, T];
    const out = gptForward(params, config.model, tensor(batch.inputs, shape, { dtype: 'i32', backend: params.backend }), tensor(batch.targets, shape, { dtype: 'i32', backend: params.backend }));
    out.loss!.backward();
    params.gradFlat(grads);
    params.zeroGrad();
    return out.loss!.item();
  }, params.backend);
  const gradNorm = config.gradClip > 0 ? clipGradNorm(grads, config.gradClip) : NaN;
  const lr = lrAt(state.step, config.schedule);
  if (Number.isFinite(loss) && (config.gradClip === 0 || Number.isFinite(gradNorm))) {
    adamwStep(params.flat, grads, state.adam, config.adamw, lr);
    state.step += 1;
  }
  return { loss, gradNorm, lr };
}

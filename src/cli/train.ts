/**
 * @file `tessera train`: trains a GPT preset on a text corpus on this machine and writes
 * the run folder: data shards, metrics.jsonl (one JSON object per step and per evaluation),
 * checkpoint.safetensors and the loss curves (loss.svg, loss.png).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gptSmall, gptTiny, type GptConfig } from '../nn/index.ts';
import { byteTokenizer, loadHfTokenizer, prepareCorpus, readShards, sampleBatch, type Tokenizer } from '../data/index.ts';
import { adamwDefaults, createTrainState, loadCheckpoint, saveCheckpoint, trainStep, validationLoss, type TrainConfig, type TrainState } from '../optim/index.ts';
import { readLossPoints, writeLossPlot } from './plot.ts';
import { createProgress } from './progress.ts';

export interface TrainOptions {
  preset: 'tiny' | 'small';
  steps: number;
  batchSize: number;
  lr: number;
  warmup: number;
  seed: number;
  corpus: string;
  out: string;
  evalEvery: number;
  evalBatches: number;
  /** A checkpoint to continue from (its whole train config, schedule included, wins). */
  resume?: string;
  /** Stop (and write the checkpoint) after this step, though the schedule runs to `steps`. */
  stopAt?: number;
  /** A Hugging Face tokenizer.json (default: byte-level); the model's vocabulary follows it. */
  tokenizer?: string;
}

/** The tokenizer a run config names: 'bytes' (or none) or a tokenizer.json path. */
export function tokenizerFor(name: string | undefined): Tokenizer {
  return name === undefined || name === 'bytes' ? byteTokenizer() : loadHfTokenizer(name);
}

export function presetModel(name: TrainOptions['preset']): GptConfig {
  return name === 'tiny' ? gptTiny() : gptSmall();
}

/** Mean loss over `batches` fixed validation batches (the same ones at every evaluation). */
export function evalLoss(state: TrainState, val: Int32Array, batches: number): number {
  const { config, params } = state;
  return validationLoss(params, config.model, val, { seed: config.seed, batches, batchSize: config.batchSize });
}

/** Entropy (nats) of the train split's token frequencies: the loss of a model that ignores context. */
export function unigramLoss(train: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const t of train) counts[t]! += 1;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / train.length) * Math.log(c / train.length);
  return h;
}

/** Training cannot go on (a NaN or infinite loss); the checkpoint on disk is untouched. */
export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

export async function runTrain(opts: TrainOptions, log: (line: string) => void = console.log): Promise<{ valLoss: number; state: TrainState }> {
  const resumed = opts.resume === undefined ? undefined : loadCheckpoint(opts.resume);
  const tokenizer = tokenizerFor(resumed?.config.tokenizer ?? opts.tokenizer);
  mkdirSync(opts.out, { recursive: true });
  prepareCorpus(opts.corpus, join(opts.out, 'data'), tokenizer);
  const { train, val } = readShards(join(opts.out, 'data'));
  const model = { ...presetModel(opts.preset), vocabSize: tokenizer.vocabSize };
  const config: TrainConfig = {
    tokenizer: opts.tokenizer ?? 'bytes', model, seed: opts.seed, batchSize: opts.batchSize, adamw: adamwDefaults(), gradClip: 1,
    schedule: { maxLr: opts.lr, minLr: opts.lr / 10, warmupSteps: opts.warmup, totalSteps: opts.steps },
  };
  const state = resumed ?? createTrainState(config);
  if (resumed !== undefined) log(`resuming ${opts.resume} at step ${state.step} (its config wins over the flags)`);
  const metrics = join(opts.out, 'metrics.jsonl');
  if (opts.resume === undefined) writeFileSync(metrics, '');
  const record = (obj: object): void => appendFileSync(metrics, JSON.stringify(obj) + '\n');
  const T = state.config.model.contextLength;
  log(`training ${opts.preset} GPT (${state.params.size} parameters) on ${train.length} train / ${val.length} val tokens; unigram baseline ${unigramLoss(train, tokenizer.vocabSize).toFixed(4)} nats`);
  const progress = createProgress(process.stdout);
  const firstStep = state.step;
  const started = performance.now();
  let valLoss = evalLoss(state, val, opts.evalBatches);
  record({ step: state.step, valLoss });
  const total = state.config.schedule.totalSteps;
  const last = Math.min(total, opts.stopAt ?? total);
  while (state.step < last) {
    const t0 = performance.now();
    const batch = sampleBatch(train, { seed: state.config.seed, step: state.step, worker: 0, batchSize: state.config.batchSize, contextLength: T });
    const r = trainStep(state, batch);
    if (!Number.isFinite(r.loss)) throw new TrainingError(`step ${state.step + 1}: loss is ${r.loss}; stopping with the parameters of step ${state.step} (try a lower --lr)`);
    const seconds = (performance.now() - t0) / 1000;
    record({ step: state.step, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, seconds });
    const elapsed = (performance.now() - started) / 1000;
    const done = state.step - firstStep;
    progress.update({ step: state.step, total: last, loss: r.loss, tokensPerSecond: (state.config.batchSize * T) / seconds, etaSeconds: (elapsed / done) * (last - state.step) });
    if (state.step % opts.evalEvery === 0 || state.step === last) {
      valLoss = evalLoss(state, val, opts.evalBatches);
      record({ step: state.step, valLoss });
    }
  }
  progress.done();
  saveCheckpoint(join(opts.out, 'checkpoint.safetensors'), state);
  await writeLossPlot(readLossPoints(metrics), join(opts.out, 'loss'), `${opts.preset} GPT on ${opts.corpus}`);
  log(`done: step ${state.step} of ${total}, ${state.step - firstStep} this run, in ${((performance.now() - started) / 1000).toFixed(1)} s; validation loss ${valLoss.toFixed(4)}; wrote checkpoint.safetensors, metrics.jsonl, loss.svg and loss.png in ${opts.out}`);
  return { valLoss, state };
}

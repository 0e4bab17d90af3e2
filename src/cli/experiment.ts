/**
 * @file `tessera experiment NAME`: runs a named experiment's simulations (reusing stored runs
 * of the same scale), prints the table, and writes docs/results/experiments/NAME.md with the
 * loss curves (NAME.svg, NAME.png). Each run's result is stored as runs/KEY.json next to them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byteTokenizer, prepareCorpus, readShards } from '../data/index.ts';
import { estimateRun, simulate, type SimConfig, type SimResult } from '../optim/index.ts';
import { codecLabel } from '../compress/index.ts';
import { EXPERIMENTS, RUNS, type Scale } from './experiments.ts';
import { writeLinePlot } from './plot.ts';

export interface ExperimentOptions {
  readonly name: string;
  readonly scale: Scale;
  readonly corpus: string;
  readonly out: string;
  /** Where the corpus's token shards are prepared (once). */
  readonly dataDir: string;
  /** Run again even when a stored result of the same config exists. */
  readonly force: boolean;
  /** Only these run keys (default: all of the experiment's runs). */
  readonly only?: readonly string[];
}

export interface StoredRun {
  readonly key: string;
  readonly label: string;
  readonly config: SimConfig;
  readonly result: SimResult;
  readonly finished: string;
}

/** Load the train/val token splits of a corpus (byte tokens, prepared once under `dir`). */
export function loadSplits(corpus: string, dir: string): { train: Int32Array; val: Int32Array } {
  prepareCorpus(corpus, dir, byteTokenizer());
  return readShards(dir);
}

/** Run (or load) one simulation by key. */
export function runOrLoad(key: string, opts: ExperimentOptions, splits: () => { train: Int32Array; val: Int32Array }, log: (s: string) => void): StoredRun {
  const def = RUNS[key];
  if (def === undefined) throw new Error(`unknown run ${key}`);
  const config = def.build(opts.scale);
  const file = join(opts.out, 'runs', `${key}.json`);
  if (!opts.force && existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredRun;
    if (JSON.stringify(stored.config) === JSON.stringify(config)) return stored;
    log(`${key}: stored result has another config; running again`);
  }
  log(`${key}: ${def.label} (${config.workers} workers x ${config.steps} steps x batch ${config.train.batchSize})`);
  const { params: _params, ...result } = simulate(config, splits(), { onEval: (p) => log(`  ${key} step ${p.step} val ${p.valLoss.toFixed(4)}`) });
  const stored: StoredRun = { key, label: def.label, config, result, finished: new Date().toISOString() };
  mkdirSync(join(opts.out, 'runs'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(stored, null, 1));
  renameSync(`${file}.tmp`, file);
  log(`${key}: val ${result.finalValLoss.toFixed(4)}, ${result.bytes.total} bytes, ${result.seconds.toFixed(0)} s, hash ${result.hash.slice(0, 12)}`);
  return stored;
}

const MB = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);

/** One table row per run; the baseline is the iid data-parallel run. */
export function tableOf(runs: readonly StoredRun[]): string {
  const dp = runs.find((r) => r.key === 'dp');
  const lines = [
    '| run | method | workers | H | codec | bytes / worker / round | peak exchange | total bytes | fewer bytes than DP | final val loss | vs DP | util. 100 Mbit/s | util. 1 Gbit/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    const c = r.config;
    const d = c.diloco;
    const fragments = d?.fragments ?? 1;
    const perRound = (r.result.bytes.total / Math.max(1, r.result.bytes.contributions)) * fragments;
    const H = c.method === 'diloco' ? String(d!.H) : '1';
    const codec = c.method === 'diloco' ? codecLabel(d!.codec) + (d!.errorFeedback ? ' + EF' : '') + (fragments > 1 ? `, ${fragments} fragments, tau ${d!.tau}` : '') : c.method === 'demo' ? codecLabel(c.demo!.codec) : 'fp32';
    const vsDp = dp === undefined ? '' : `${(((r.result.finalValLoss - dp.result.finalValLoss) / dp.result.finalValLoss) * 100).toFixed(2)}%`;
    const fewer = dp === undefined ? '' : `${(dp.result.bytes.total / r.result.bytes.total).toFixed(0)}x`;
    const util = (bps: number): string => `${(utilisationOf(r, bps) * 100).toFixed(1)}%`;
    if (c.workers === 1) {
      // One worker has nobody to exchange with: nothing goes on the wire.
      lines.push(`| ${r.key} | ${r.label} | 1 | - | - | 0 | 0 | 0 | - | ${r.result.finalValLoss.toFixed(4)} | ${vsDp} | 100% | 100% |`);
      continue;
    }
    lines.push(`| ${r.key} | ${r.label} | ${c.workers} | ${H} | ${codec} | ${MB(perRound)} | ${MB(r.result.bytes.peakPerExchange)} | ${MB(r.result.bytes.total)} | ${fewer} | ${r.result.finalValLoss.toFixed(4)} | ${vsDp} | ${util(1e8)} | ${util(1e9)} |`);
  }
  return lines.join('\n');
}

/** Modelled compute utilisation of a run over a link of `bps` with 50 ms latency (src/optim/comm-model.ts). */
export function utilisationOf(r: StoredRun, bps: number): number {
  const c = r.config;
  const d = c.diloco;
  const fragments = d?.fragments ?? 1;
  return estimateRun({
    workers: c.workers, stepSeconds: r.result.stepSeconds, stepsPerRound: c.method === 'diloco' ? d!.H : 1, exchangesPerRound: fragments,
    payloadBytes: r.result.bytes.peakPerExchange, overlapSteps: d?.tau ?? 0,
  }, { bandwidthBps: bps, latencySeconds: 0.05 }).utilisation;
}

export async function runExperiment(opts: ExperimentOptions, log: (s: string) => void = console.log): Promise<StoredRun[]> {
  const def = EXPERIMENTS[opts.name];
  if (def === undefined) throw new Error(`unknown experiment ${opts.name}`);
  let splits: { train: Int32Array; val: Int32Array } | undefined;
  const getSplits = (): { train: Int32Array; val: Int32Array } => (splits ??= loadSplits(opts.corpus, opts.dataDir));
  const keys = opts.only ?? def.runs;
  const runs: StoredRun[] = [];
  for (const key of keys) runs.push(runOrLoad(key, opts, getSplits, log));
  if (opts.only !== undefined) return runs;
  const table = tableOf(runs);
  log(`\n${def.title}\n\n${table}\n`);
  const points = runs.flatMap((r) => r.result.curve.map((p) => ({ x: p.tokens / 1e6, y: p.valLoss, series: r.key })));
  // The untrained model's loss (5.5) would flatten every curve: show the range where they differ.
  const low = Math.floor(Math.min(...points.map((p) => p.y)) * 10) / 10;
  await writeLinePlot(points, join(opts.out, opts.name), { title: def.title, x: 'training tokens, all workers (millions)', y: 'validation loss (nats per byte)' }, [low, low + 1.2]);
  const s = opts.scale;
  const md = [
    `# ${def.title}`,
    '',
    `Command: \`npx tessera experiment ${opts.name}\` (tiny GPT, ${s.workers} workers x ${s.steps} inner steps x batch ${s.batchSize} x 128 tokens each, inner AdamW lr ${s.lr} with warmup and cosine, seed ${s.seed}; validation on ${s.evalBatches} fixed batches of 16 x 128 tokens).`,
    'Written by the command; the discussion is in docs/results/diloco.md.',
    '',
    'Targets: ' + def.targets.join('; ') + '.',
    '',
    table,
    '',
    'Bytes are the encoded payloads each worker sent (headers included); utilisation is the ring all-reduce model of src/optim/comm-model.ts at 50 ms latency with the measured step time of this machine.',
    `Final parameter hashes: ${runs.map((r) => `${r.key} ${r.result.hash.slice(0, 16)}`).join(', ')}.`,
    '',
    `![validation loss](${opts.name}.svg)`,
    '',
  ].join('\n');
  writeFileSync(join(opts.out, `${opts.name}.md`), md);
  log(`wrote ${join(opts.out, `${opts.name}.md`)}, ${opts.name}.svg and ${opts.name}.png`);
  return runs;
}

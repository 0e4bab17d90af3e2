/**
 * @file The `tessera` command. Parses flags, builds typed options (presets plus
 * overrides), and calls the command; bad input gets one clear line and exit code 2.
 */
import { parseArgs } from 'node:util';
import { createNodeWasmBackend, setDefaultBackend } from '../tensor/index.ts';
import { sampleTokens } from '../nn/index.ts';
import { loadCheckpoint } from '../optim/index.ts';
import { runTrain, tokenizerFor, type TrainOptions } from './train.ts';
import { runExperiment } from './experiment.ts';
import { defaultScale, EXPERIMENTS, RUNS, type Scale } from './experiments.ts';
import { intellect1Projection } from './comm-projection.ts';
import { runCoordinate, runJoin, type EventFormat } from './swarm.ts';
import { runDemo } from './demo.ts';

export class CliError extends Error {
  override readonly name = 'CliError';
}

const USAGE: Record<string, string> = {
  main: `usage: tessera <command> [options]

commands:
  train    train a GPT preset on a text corpus on this machine
  sample   generate text from a checkpoint
  experiment  run a named multi-worker experiment (DiLoCo, codecs, Streaming DiLoCo, DeMo) in the simulator
  coordinate  start a decentralized training run over libp2p and coordinate its rounds
  join     join a run as a trainer: tessera join <coordinator multiaddr>
  demo     a local swarm: a coordinator and 4 trainer processes on loopback, one killed and restarted
  help     show this, or \`tessera help <command>\`

every command accepts --help and --threads N (kernel threads, default: all cores)`,
  train: `usage: tessera train [--preset tiny|small] [--steps N] [--batch-size N] [--lr X] [--warmup N]
                     [--seed N] [--corpus FILE] [--out DIR] [--eval-every N] [--eval-batches N] [--threads N]
                     [--resume CHECKPOINT] [--stop-at N] [--tokenizer tokenizer.json]

Trains on the byte-level tokens of --corpus (default data/tinyshakespeare.txt) and writes
DIR/data (shards), DIR/metrics.jsonl and DIR/checkpoint.safetensors (default DIR: runs/<preset>).
--stop-at N ends this run after step N (the schedule still spans --steps); --resume continues
a checkpoint with its own config, exactly as if the run had not stopped. --tokenizer uses a
Hugging Face tokenizer.json instead of bytes (the model's vocabulary follows it).
Defaults: --preset tiny --steps 1000 --batch-size 16 --lr 3e-3 --warmup 100 --seed 1 --eval-every 100 --eval-batches 8`,
  sample: `usage: tessera sample --checkpoint FILE [--prompt TEXT] [--length N] [--temperature X] [--top-k N] [--seed N] [--threads N]

Defaults: --prompt "ROMEO:" --length 300 --temperature 0.8 --top-k 40 --seed 1`,
  experiment: `usage: tessera experiment NAME [--steps N] [--batch-size N] [--workers N] [--lr X] [--seed N]
                          [--eval-every N] [--eval-batches N] [--out DIR] [--corpus FILE] [--data-dir DIR]
                          [--force] [--only KEY,..] [--threads N]
       tessera experiment list
       tessera experiment comm-model

Runs the experiment's simulations in process (tiny GPT; each worker keeps its own model, optimizer
and data; payloads really go through their codec), prints the table and writes DIR/NAME.md,
DIR/NAME.svg and DIR/NAME.png (default DIR: docs/results/experiments). Runs already stored in
DIR/runs with the same config are reused unless --force. The corpus's token shards are
prepared once in --data-dir (default runs/experiment-data). --only runs just those keys (no report).
comm-model prints the communication model's projection for INTELLECT-1 next to its published figures.
Defaults: --steps 600 --batch-size 4 --workers 4 --lr 3e-3 --seed 1 --eval-every 50 --eval-batches 16`,
  coordinate: `usage: tessera coordinate [--preset tiny|small] [--dir DIR] [--corpus FILE] [--rounds N] [--H N] [--min-peers N]
                          [--batch-size N] [--train-seconds N] [--listen ADDR,..] [--events text|jsonl] [--threads N]

Starts a DiLoCo run (int8 pseudo-gradients) and prints its multiaddrs; trainers join with
\`tessera join <multiaddr>\`. DIR (default runs/coordinator) holds the key, the run manifest, the
ledger and the blobs: run the same command on the same DIR to resume after a crash.
Defaults: --preset tiny --rounds 10 --H 20 --min-peers 1 --batch-size 4 --train-seconds 120`,
  join: `usage: tessera join <coordinator multiaddr> [--dir DIR] [--corpus FILE] [--listen ADDR,..] [--events text|jsonl] [--threads N]

Joins the run as a trainer. DIR (default runs/trainer) holds the peer key and blobs; run the
same command on the same DIR to rejoin with the same identity. --step-delay-ms N slows every
inner step by N ms (for testing a slow peer).`,
  demo: `usage: tessera demo [--out DIR] [--trainers N] [--rounds N] [--H N] [--kill-after N] [--away N] [--corpus FILE]

A coordinator and N trainer processes on loopback over libp2p train the tiny GPT with DiLoCo and
int8 pseudo-gradients; after round --kill-after one trainer is killed (SIGKILL) and restarted
--away rounds later. Writes DIR/summary.json, loss.svg/png, final.safetensors, sample.txt.
Defaults: --out runs/demo --trainers 4 --rounds 12 --H 30 --kill-after 3 --away 2`,
};

function int(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function num(name: string, value: string | undefined, positive = true): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || (positive && n <= 0)) throw new CliError(`--${name} must be a ${positive ? 'positive ' : ''}number, got ${JSON.stringify(value)}`);
  return n;
}

function useThreads(value: string | undefined): void {
  if (value !== undefined) setDefaultBackend(createNodeWasmBackend({ threads: int('threads', value, 1) }));
}

async function train(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      preset: { type: 'string', default: 'tiny' }, steps: { type: 'string', default: '1000' }, 'batch-size': { type: 'string', default: '16' },
      lr: { type: 'string', default: '3e-3' }, warmup: { type: 'string', default: '100' }, seed: { type: 'string', default: '1' },
      corpus: { type: 'string', default: 'data/tinyshakespeare.txt' }, out: { type: 'string' }, 'eval-every': { type: 'string', default: '100' },
      'eval-batches': { type: 'string', default: '8' }, threads: { type: 'string' }, resume: { type: 'string' }, 'stop-at': { type: 'string' }, tokenizer: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE['train']);
  if (values.preset !== 'tiny' && values.preset !== 'small') throw new CliError(`--preset must be tiny or small, got ${JSON.stringify(values.preset)}`);
  useThreads(values.threads);
  const opts: TrainOptions = {
    preset: values.preset, steps: int('steps', values.steps, 1), batchSize: int('batch-size', values['batch-size'], 1),
    lr: num('lr', values.lr), warmup: int('warmup', values.warmup, 0), seed: int('seed', values.seed, 0), corpus: values.corpus,
    out: values.out ?? `runs/${values.preset}`, evalEvery: int('eval-every', values['eval-every'], 1), evalBatches: int('eval-batches', values['eval-batches'], 1),
    ...(values.resume === undefined ? {} : { resume: values.resume }),
    ...(values['stop-at'] === undefined ? {} : { stopAt: int('stop-at', values['stop-at'], 1) }),
    ...(values.tokenizer === undefined ? {} : { tokenizer: values.tokenizer }),
  };
  await runTrain(opts);
}

function sample(args: string[]): void {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      checkpoint: { type: 'string' }, prompt: { type: 'string', default: 'ROMEO:' }, length: { type: 'string', default: '300' },
      temperature: { type: 'string', default: '0.8' }, 'top-k': { type: 'string', default: '40' }, seed: { type: 'string', default: '1' },
      threads: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE['sample']);
  if (values.checkpoint === undefined) throw new CliError('sample needs --checkpoint FILE');
  if (values.prompt.length === 0) throw new CliError('--prompt must not be empty');
  useThreads(values.threads);
  const state = loadCheckpoint(values.checkpoint);
  const tok = tokenizerFor(state.config.tokenizer);
  const ids = sampleTokens(state.params, state.config.model, tok.encode(values.prompt), {
    length: int('length', values.length, 1), temperature: num('temperature', values.temperature), topK: int('top-k', values['top-k'], 0), seed: int('seed', values.seed, 0),
  });
  console.log(values.prompt + tok.decode(ids));
}

async function experiment(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: {
      steps: { type: 'string' }, 'batch-size': { type: 'string' }, workers: { type: 'string' }, lr: { type: 'string' }, seed: { type: 'string' },
      'eval-every': { type: 'string' }, 'eval-batches': { type: 'string' }, out: { type: 'string', default: 'docs/results/experiments' },
      corpus: { type: 'string', default: 'data/tinyshakespeare.txt' }, 'data-dir': { type: 'string', default: 'runs/experiment-data' },
      force: { type: 'boolean', default: false }, only: { type: 'string' },
      threads: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0];
  if (values.help || name === undefined) return void console.log(USAGE['experiment']);
  if (positionals.length > 1) throw new CliError(`experiment takes one name, got ${positionals.join(' ')}`);
  if (name === 'list') {
    for (const [key, def] of Object.entries(EXPERIMENTS)) console.log(`${key.padEnd(12)} ${def.title} (runs: ${def.runs.join(', ')})`);
    return;
  }
  if (name === 'comm-model') return void console.log(intellect1Projection());
  if (EXPERIMENTS[name] === undefined) throw new CliError(`unknown experiment ${JSON.stringify(name)}; one of: ${Object.keys(EXPERIMENTS).join(', ')}, list, comm-model`);
  const only = values.only?.split(',');
  for (const key of only ?? []) if (RUNS[key] === undefined) throw new CliError(`--only: unknown run ${JSON.stringify(key)}; one of: ${Object.keys(RUNS).join(', ')}`);
  useThreads(values.threads);
  const d = defaultScale();
  const opt = (flag: string, v: string | undefined, fallback: number, min = 1): number => (v === undefined ? fallback : int(flag, v, min));
  const scale: Scale = {
    workers: opt('workers', values.workers, d.workers), steps: opt('steps', values.steps, d.steps), batchSize: opt('batch-size', values['batch-size'], d.batchSize),
    lr: values.lr === undefined ? d.lr : num('lr', values.lr), seed: opt('seed', values.seed, d.seed, 0), evalEvery: opt('eval-every', values['eval-every'], d.evalEvery),
    evalBatches: opt('eval-batches', values['eval-batches'], d.evalBatches),
  };
  await runExperiment({ name, scale, corpus: values.corpus, out: values.out, dataDir: values['data-dir'], force: values.force, ...(only === undefined ? {} : { only }) });
}

function events(v: string | undefined): EventFormat {
  if (v === undefined || v === 'text' || v === 'jsonl') return v ?? 'text';
  throw new CliError(`--events must be text or jsonl, got ${JSON.stringify(v)}`);
}

async function coordinate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      preset: { type: 'string', default: 'tiny' }, dir: { type: 'string', default: 'runs/coordinator' }, corpus: { type: 'string', default: 'data/tinyshakespeare.txt' },
      rounds: { type: 'string', default: '10' }, H: { type: 'string', default: '20' }, 'min-peers': { type: 'string', default: '1' }, 'batch-size': { type: 'string', default: '4' },
      'train-seconds': { type: 'string', default: '120' }, listen: { type: 'string' }, events: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE['coordinate']);
  if (values.preset !== 'tiny' && values.preset !== 'small') throw new CliError(`--preset must be tiny or small, got ${JSON.stringify(values.preset)}`);
  useThreads(values.threads);
  await runCoordinate({
    preset: values.preset, dir: values.dir, corpus: values.corpus, rounds: int('rounds', values.rounds, 1), H: int('H', values.H, 1),
    minPeers: int('min-peers', values['min-peers'], 1), batchSize: int('batch-size', values['batch-size'], 1), trainSeconds: int('train-seconds', values['train-seconds'], 1),
    events: events(values.events), ...(values.listen === undefined ? {} : { listen: values.listen.split(',') }),
  });
}

async function joinRun(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, strict: true, allowPositionals: true,
    options: {
      dir: { type: 'string', default: 'runs/trainer' }, corpus: { type: 'string', default: 'data/tinyshakespeare.txt' }, listen: { type: 'string' },
      events: { type: 'string' }, threads: { type: 'string' }, 'step-delay-ms': { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE['join']);
  if (positionals.length !== 1) throw new CliError('join needs exactly one coordinator multiaddr');
  useThreads(values.threads);
  await runJoin({
    coordinator: positionals[0]!, dir: values.dir, corpus: values.corpus, events: events(values.events),
    ...(values.listen === undefined ? {} : { listen: values.listen.split(',') }),
    ...(values['step-delay-ms'] === undefined ? {} : { stepDelayMs: int('step-delay-ms', values['step-delay-ms'], 0) }),
  });
}

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args, strict: true, allowPositionals: false,
    options: {
      out: { type: 'string', default: 'runs/demo' }, trainers: { type: 'string', default: '4' }, rounds: { type: 'string', default: '12' }, H: { type: 'string', default: '30' },
      'kill-after': { type: 'string', default: '3' }, away: { type: 'string', default: '2' }, corpus: { type: 'string', default: 'data/tinyshakespeare.txt' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE['demo']);
  await runDemo({
    out: values.out, trainers: int('trainers', values.trainers, 1), rounds: int('rounds', values.rounds, 1), H: int('H', values.H, 1),
    killAfter: int('kill-after', values['kill-after'], 0), awayRounds: int('away', values.away, 1), corpus: values.corpus,
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        await train(rest);
        return 0;
      case 'sample':
        sample(rest);
        return 0;
      case 'experiment':
        await experiment(rest);
        return 0;
      case 'coordinate':
        await coordinate(rest);
        return 0;
      case 'join':
        await joinRun(rest);
        return 0;
      case 'demo':
        await demo(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE[rest[0] ?? 'main'] ?? USAGE['main']);
        return 0;
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.name === 'CliError' || e.code?.startsWith('ERR_PARSE_ARGS') === true) {
      console.error(`tessera: ${e.message}\n\n${USAGE[command ?? 'main'] ?? USAGE['main']}`);
      return 2;
    }
    if (['CorpusError', 'ManifestError', 'DataError', 'CheckpointError', 'SafetensorsError', 'BackendError', 'TrainingError', 'SimConfigError', 'CodecError', 'ProtocolError', 'KeyFileError', 'BlobFetchError', 'CoordinatorRefusedError', 'AddressError', 'CoordinatorUnreachableError'].includes(e.name)) {
      console.error(`tessera: ${e.name}: ${e.message}`);
      return 1;
    }
    throw err;
  }
}

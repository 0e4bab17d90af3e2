/**
 * @file `tessera demo`: the main job. A coordinator and four trainers, each its own process,
 * train the tiny GPT on the bundled corpus with DiLoCo and int8 pseudo-gradients over real
 * libp2p on loopback. Midway one trainer is killed with SIGKILL and later restarted on the
 * same folder (it rejoins and catches up). At the end: a summary (rounds, validation loss,
 * bytes per peer, utilisation, every peer's final model hash), a loss plot, the final
 * checkpoint and a text sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gptTiny, initGpt, sampleTokens } from '../nn/index.ts';
import { byteTokenizer } from '../data/index.ts';
import { decodeModelState, type Hash } from '../protocol/index.ts';
import { writeLinePlot } from './plot.ts';

export interface DemoOptions {
  readonly out: string;
  readonly trainers: number;
  readonly rounds: number;
  readonly H: number;
  readonly corpus: string;
  /** The round after which one trainer is killed (0 = never). */
  readonly killAfter: number;
  /** Rounds the killed trainer stays away. */
  readonly awayRounds: number;
}

type Event = Record<string, unknown> & { kind: string };

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: Event[];
  readonly exited: Promise<number | null>;
}

const BIN = new URL('../../bin/tessera.mjs', import.meta.url).pathname;

/** Spawn `tessera ARGS --events jsonl`, collecting its events; `onEvent` sees each as it comes. */
function launch(name: string, args: string[], logFile: string, log: (s: string) => void, onEvent: (e: Event) => void): Proc {
  const child = spawn(process.execPath, [BIN, ...args, '--events', 'jsonl', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    appendFileSync(logFile, line + '\n');
    let e: Event;
    try { e = JSON.parse(line) as Event; } catch { return log(`${name}: ${line}`); }
    events.push(e);
    onEvent(e);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    appendFileSync(logFile, line + '\n');
    log(`${name} (stderr): ${line}`);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, events, exited };
}

export async function runDemo(opts: DemoOptions, log: (s: string) => void = console.log): Promise<{ finalModel: Hash; hashes: Record<string, Hash>; valLoss: number }> {
  if (existsSync(opts.out)) rmSync(opts.out, { recursive: true, force: true });
  mkdirSync(opts.out, { recursive: true });
  const started = performance.now();
  const closed: Event[] = [];
  let addr: string | undefined;
  let resolveAddr!: (a: string) => void;
  const addrReady = new Promise<string>((r) => (resolveAddr = r));
  const trainers = new Map<string, Proc>();
  let killed: string | undefined;
  let restartAt = Infinity;

  const startTrainer = (i: number): void => {
    const name = `trainer-${i}`;
    trainers.set(name, launch(name, ['join', addr!, '--dir', join(opts.out, name), '--corpus', opts.corpus], join(opts.out, `${name}.log`), log, (e) => {
      if (e.kind === 'warning') log(`${name}: ${String(e['message'])}`);
      if (e.kind === 'joined') log(`${name}: joined at round ${String(e['round'])}`);
    }));
  };

  const coordinator = launch('coordinator', [
    'coordinate', '--preset', 'tiny', '--dir', join(opts.out, 'coordinator'), '--rounds', String(opts.rounds), '--H', String(opts.H),
    '--min-peers', String(opts.trainers), '--corpus', opts.corpus,
  ], join(opts.out, 'coordinator.log'), log, (e) => {
    if (e.kind === 'started') resolveAddr((e['addrs'] as string[]).find((a) => a.includes('/tcp/') && !a.includes('/ws'))!);
    if (e.kind === 'rejected') log(`coordinator: round ${String(e['round'])}: refused a message from ${String(e['peer']).slice(0, 8)}: ${String(e['reason'])}`);
    if (e.kind !== 'closed') return;
    closed.push(e);
    const m = e['metrics'] as Record<string, number>;
    log(`round ${String(e['round'])}/${opts.rounds}: ${String(e['accepted'])} of ${String(e['members'])} contributions, validation loss ${(e['valLoss'] as number).toFixed(4)}, ${m['roundSeconds']!.toFixed(1)} s`);
    const round = e['round'] as number;
    if (round === opts.killAfter && killed === undefined) {
      killed = `trainer-${opts.trainers - 1}`;
      log(`demo: killing ${killed} with SIGKILL`);
      trainers.get(killed)!.child.kill('SIGKILL');
      restartAt = round + opts.awayRounds;
    }
    if (round === restartAt && killed !== undefined) {
      log(`demo: restarting ${killed} on its folder (same key)`);
      startTrainer(opts.trainers - 1);
    }
  });
  addr = await Promise.race([addrReady, coordinator.exited.then(() => { throw new Error('the coordinator exited before listening'); })]);
  log(`coordinator listening on ${addr}`);
  for (let i = 0; i < opts.trainers; i++) startTrainer(i);
  const code = await coordinator.exited;
  if (code !== 0) throw new Error(`the coordinator exited with code ${code}`);
  const results = await Promise.all([...trainers.values()].map(async (p) => ({ name: p.name, code: await p.exited, summary: p.events.find((e) => e.kind === 'summary') })));
  const done = coordinator.events.find((e) => e.kind === 'done')!;
  const finalModel = done['model'] as Hash;
  const hashes: Record<string, Hash> = { coordinator: finalModel };
  for (const r of results) hashes[r.name] = (r.summary?.['model'] as Hash | undefined) ?? `(exit ${r.code}, no summary)`;
  const summaryOf = (name: string): Record<string, number> => ((results.find((r) => r.name === name)?.summary?.['totals']) ?? {}) as Record<string, number>;

  // Loss plot, checkpoint, sample.
  const points = closed.flatMap((e) => [
    { x: e['round'] as number, y: e['valLoss'] as number, series: 'validation' },
    ...(Number.isFinite(e['trainLoss']) ? [{ x: e['round'] as number, y: e['trainLoss'] as number, series: 'train, inner steps' }] : []),
  ]);
  await writeLinePlot(points, join(opts.out, 'loss'), { title: `tessera demo: ${opts.trainers} trainers, DiLoCo H=${opts.H}, int8`, x: 'round', y: 'loss (nats per byte)' });
  const checkpoint = join(opts.out, 'coordinator', 'blobs', finalModel);
  copyFileSync(checkpoint, join(opts.out, 'final.safetensors'));
  const model = gptTiny(); // the demo always runs the tiny preset
  const state = decodeModelState(new Uint8Array(readFileSync(checkpoint)), model);
  const params = initGpt(model, 0);
  params.flat.set(state.params);
  const tok = byteTokenizer();
  const sample = 'ROMEO:' + tok.decode(sampleTokens(params, model, tok.encode('ROMEO:'), { length: 200, temperature: 0.8, topK: 40, seed: 1 }));
  writeFileSync(join(opts.out, 'sample.txt'), sample + '\n');

  const last = closed[closed.length - 1]!;
  const lines = [
    '', `demo finished in ${((performance.now() - started) / 1000).toFixed(0)} s: ${closed.length} rounds, final validation loss ${(last['valLoss'] as number).toFixed(4)}`,
    '', '| peer | final model hash | bytes sent | bytes received | compute utilisation |', '|---|---|---|---|---|',
  ];
  const coordTotals = (coordinator.events.find((e) => e.kind === 'summary')?.['totals'] ?? {}) as Record<string, number>;
  for (const [name, hash] of Object.entries(hashes)) {
    const t = name === 'coordinator' ? coordTotals : summaryOf(name);
    lines.push(`| ${name} | ${hash.slice(0, 16)} | ${fmtBytes(t['bytesSent'])} | ${fmtBytes(t['bytesReceived'])} | ${t['utilisation'] === undefined ? '' : `${(t['utilisation'] * 100).toFixed(0)}%`} |`);
  }
  const equal = Object.values(hashes).every((h) => h === finalModel);
  lines.push('', equal ? 'every peer holds the same final model (bit for bit)' : 'PEERS DISAGREE on the final model', `wrote ${join(opts.out, 'loss.svg')}, loss.png, final.safetensors, sample.txt`, '', sample);
  log(lines.join('\n'));
  writeFileSync(join(opts.out, 'summary.json'), JSON.stringify({ rounds: closed.length, valLoss: last['valLoss'], hashes, closed, trainers: results.map((r) => ({ name: r.name, code: r.code, summary: r.summary })), coordinator: coordTotals }, null, 1));
  if (!equal) throw new Error('peers disagree on the final model');
  return { finalModel, hashes, valLoss: last['valLoss'] as number };
}

function fmtBytes(b: number | undefined): string {
  if (b === undefined) return '';
  return b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`;
}

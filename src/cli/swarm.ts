/**
 * @file `tessera coordinate` and `tessera join`: one process each, wired from the layers:
 * a libp2p node (src/net) with a persisted key, a blob folder, and the coordinator or
 * trainer (src/node). Progress goes to stdout as text, or as JSON lines (`--events jsonl`)
 * for programs such as `tessera demo`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { createNetNode, DirBlobStore, Libp2pTransport, loadOrCreateKey, peerKeyFromPeerId, signingSeed } from '../net/index.ts';
import { identityFromSeed, LIMITS, type PeerAddress } from '../protocol/index.ts';
import { CoordinatorNode, createRun, presetRunConfig, TrainerNode, type CoordinatorEvent, type TrainerEvent } from '../node/index.ts';

export type EventFormat = 'text' | 'jsonl';

export interface CoordinateOptions {
  readonly preset: 'tiny' | 'small';
  readonly dir: string;
  readonly corpus: string;
  readonly rounds: number;
  readonly H: number;
  readonly minPeers: number;
  readonly batchSize: number;
  readonly trainSeconds: number;
  readonly listen?: readonly string[];
  readonly events: EventFormat;
}

export interface JoinOptions {
  readonly coordinator: string;
  readonly dir: string;
  readonly corpus: string;
  readonly listen?: readonly string[];
  readonly events: EventFormat;
  /** Extra milliseconds per inner step (to test slow peers). */
  readonly stepDelayMs?: number;
}

function emitter(format: EventFormat, text: (e: { kind: string } & Record<string, unknown>) => string | undefined): (e: object) => void {
  return (e) => {
    if (format === 'jsonl') return void process.stdout.write(JSON.stringify(e) + '\n');
    const line = text(e as { kind: string } & Record<string, unknown>);
    if (line !== undefined) console.log(line);
  };
}

/** Abort on SIGINT/SIGTERM so that a node stops cleanly (its ledger is always consistent anyway). */
function stopSignal(): AbortSignal {
  const ac = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort(new Error(`${sig}`)));
  return ac.signal;
}

/** Listen where this folder listened before (a restarted coordinator keeps its address), else where asked. */
function listenAddrs(dir: string, asked: readonly string[] | undefined): readonly string[] | undefined {
  const file = join(dir, 'listen.json');
  if (asked === undefined && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[];
  return asked;
}

export async function runCoordinate(opts: CoordinateOptions): Promise<void> {
  const key = await loadOrCreateKey(join(opts.dir, 'peer.key'));
  const net = await createNetNode({ privateKey: key, maxGossipBytes: LIMITS.announcement, ...(listenAddrs(opts.dir, opts.listen) === undefined ? {} : { listen: listenAddrs(opts.dir, opts.listen)! }) });
  writeFileSync(join(opts.dir, 'listen.json'), JSON.stringify(net.multiaddrs().map((a) => a.replace(/\/p2p\/[^/]+$/, ''))));
  const transport = new Libp2pTransport(net);
  const store = new DirBlobStore(join(opts.dir, 'blobs'));
  const manifest = existsSync(join(opts.dir, 'run.manifest')) ? undefined : createRun(presetRunConfig({
    preset: opts.preset, corpus: opts.corpus, rounds: opts.rounds, H: opts.H, minPeers: opts.minPeers, batchSize: opts.batchSize, trainSeconds: opts.trainSeconds,
  }), store).manifest;
  const emit = emitter(opts.events, (e) => {
    const ev = e as unknown as CoordinatorEvent;
    switch (ev.kind) {
      case 'started': return `${ev.resumed ? 'resumed' : 'started'} run ${ev.run} at round ${ev.round}\n${ev.addrs.map((a) => `listening on ${a}`).join('\n')}\njoin with: npx tessera join ${ev.addrs[0]}`;
      case 'rejected': return `round ${ev.round}: refused ${ev.peer.slice(0, 8)}: ${ev.reason}: ${ev.message}`;
      case 'closed': return `round ${ev.round}: ${ev.accepted}/${ev.members} contributions, validation loss ${ev.valLoss.toFixed(4)}, ${(ev.metrics.bytesReceived / 1e6).toFixed(2)} MB in, ${(ev.metrics.bytesSent / 1e6).toFixed(2)} MB out, ${ev.metrics.roundSeconds.toFixed(1)} s`;
      case 'done': return `run done after round ${ev.round}; final model ${ev.model}`;
    }
  });
  const signal = stopSignal();
  const node = new CoordinatorNode({ transport, store, identity: identityFromSeed(signingSeed(key)), dir: opts.dir, corpusPath: opts.corpus, onEvent: emit, ...(manifest === undefined ? {} : { manifest }) });
  try {
    await node.run(signal);
    emit({ kind: 'summary', model: node.coordinator.model, rounds: node.ledger.length - 1, totals: node.meter.totals() });
  } finally {
    await net.stop();
  }
}

/** A multiaddr given on the command line that cannot be a coordinator's address. */
export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** A coordinator multiaddr (ending in /p2p/<peer id>) as a protocol address. */
export function coordinatorAddress(addr: string): PeerAddress {
  let id: string | undefined;
  try {
    id = multiaddr(addr).getComponents().find((c) => c.name === 'p2p')?.value;
    if (id !== undefined) return { peer: peerKeyFromPeerId(peerIdFromString(id)), addrs: [addr] };
  } catch (err) {
    throw new AddressError(`${JSON.stringify(addr)} is not a multiaddr: ${(err as Error).message}`);
  }
  throw new AddressError(`${addr} does not end in /p2p/<peer id> (copy the whole address the coordinator printed)`);
}

export async function runJoin(opts: JoinOptions): Promise<void> {
  const coordinator = coordinatorAddress(opts.coordinator);
  const key = await loadOrCreateKey(join(opts.dir, 'peer.key'));
  const net = await createNetNode({ privateKey: key, maxGossipBytes: LIMITS.announcement, ...(opts.listen === undefined ? {} : { listen: opts.listen }) });
  const transport = new Libp2pTransport(net);
  const store = new DirBlobStore(join(opts.dir, 'blobs'));
  const emit = emitter(opts.events, (e) => {
    const ev = e as unknown as TrainerEvent;
    switch (ev.kind) {
      case 'joined': return `joined run ${ev.run.slice(0, 16)} (round ${ev.round}, ${ev.phase}) as ${net.peerKey.slice(0, 16)}`;
      case 'synced': return `model of round ${ev.round}: ${ev.model.slice(0, 16)} (${ev.how})`;
      case 'committed': return `round ${ev.round}: trained, loss ${ev.loss.toFixed(4)}, sent ${ev.payloadBytes} bytes`;
      case 'skipped': return `round ${ev.round}: skipped (${ev.why})`;
      case 'round': return `round ${ev.metrics.round}: ${(ev.metrics.bytesSent / 1e6).toFixed(2)} MB out, ${(ev.metrics.bytesReceived / 1e6).toFixed(2)} MB in, utilisation ${(ev.metrics.utilisation * 100).toFixed(0)}%`;
      case 'warning': return `warning: ${ev.message}`;
    }
  });
  const signal = stopSignal();
  try {
    const summary = await new TrainerNode({ transport, store, identity: identityFromSeed(signingSeed(key)), coordinator, corpusPath: opts.corpus, dir: opts.dir, onEvent: emit, ...(opts.stepDelayMs === undefined ? {} : { stepDelayMs: opts.stepDelayMs }) }).run(signal);
    emit({ kind: 'summary', ...summary });
    if (opts.events === 'text') console.log(`done: round ${summary.round}, model ${summary.model}`);
  } finally {
    await net.stop();
  }
}

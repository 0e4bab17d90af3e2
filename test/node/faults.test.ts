/**
 * Fault tests with real processes on loopback over libp2p: trainers killed with SIGKILL
 * (alone and two at once), a peer joining mid-run, a peer that is always late, the coordinator
 * killed and restarted on its folder; and a distributed run that equals the in-process
 * simulator bit for bit. Every wait is on an event with a timeout; every process is killed at
 * the end whatever happens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelState, dataAssignment, parseLedger, type SignedRecord } from '../../src/protocol/index.ts';
import { adamwDefaults, outerDefaults, simulate } from '../../src/optim/index.ts';
import { presetRunConfig, loadRunData } from '../../src/node/index.ts';
import { closedRound, coordinatorAddr, tessera, type Proc } from './procs.ts';

const CORPUS = new URL('../../data/tinyshakespeare.txt', import.meta.url).pathname;

async function withSwarm(fn: (dir: string, spawn: (args: string[]) => Proc) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-faults-'));
  const procs: Proc[] = [];
  try {
    await fn(dir, (args) => {
      const p = tessera([...args, '--corpus', CORPUS]);
      procs.push(p);
      return p;
    });
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

function ledgerOf(dir: string, coordinatorDone: { run: string; signer: string }): SignedRecord[] {
  const bytes = readFileSync(join(dir, 'ledger.bin'));
  return parseLedger(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), coordinatorDone).records;
}

const coordinate = (dir: string, extra: string[]): string[] => ['coordinate', '--dir', join(dir, 'c'), '--batch-size', '2', '--H', '2', ...extra];

test('a distributed run equals the in-process simulator bit for bit', { timeout: 300_000 }, async () => {
  await withSwarm(async (dir, spawn) => {
    const rounds = 3;
    const H = 3;
    const c = spawn(['coordinate', '--dir', join(dir, 'c'), '--batch-size', '2', '--H', String(H), '--rounds', String(rounds), '--min-peers', '2']);
    const addr = await coordinatorAddr(c);
    const trainers = [0, 1].map((i) => spawn(['join', addr, '--dir', join(dir, `t${i}`)]));
    const done = await c.waitFor((e) => e.kind === 'done', 240_000);
    const summaries = await Promise.all(trainers.map((t) => t.waitFor((e) => e.kind === 'summary', 60_000)));
    for (const s of summaries) assert.equal(s['model'], done['model'], 'every trainer holds the final model');
    assert.equal(await c.exited, 0);
    const started = c.events.find((e) => e.kind === 'started')!;
    const run = started['run'] as string;
    const closed = c.events.filter((e) => e.kind === 'closed');
    assert.deepEqual(closed.map((e) => e['accepted']), [2, 2, 2]);

    // The same run in the simulator: workers in canonical (peer key) order, the protocol's data streams.
    const config = presetRunConfig({ preset: 'tiny', corpus: CORPUS, rounds, H, batchSize: 2 });
    const peers = summaries.map((s) => s['peer'] as string).sort();
    const data = loadRunData(config, CORPUS, join(dir, 'sim'));
    const sim = simulate({
      method: 'diloco', workers: 2, steps: rounds * H, data: 'iid', evalEvery: rounds * H, evalBatches: 1, evalBatchSize: 16,
      train: {
        model: config.model, seed: config.seed, batchSize: 2, adamw: adamwDefaults(), gradClip: 1,
        schedule: { maxLr: config.innerLr, minLr: config.innerLr / 10, warmupSteps: config.warmupSteps, totalSteps: rounds * H },
      },
      diloco: { H, outer: outerDefaults(), codec: config.codec, errorFeedback: false, fragments: 1, tau: 0, alpha: 0.5 },
    }, data, { streamOf: (w, t) => dataAssignment(run, Math.floor(t / H) + 1, peers[w]!, H).stream });
    const final = decodeModelState(new Uint8Array(readFileSync(join(dir, 'c', 'blobs', done['model'] as string))), config.model);
    assert.equal(final.round, rounds);
    let same = final.params.length === sim.params.length;
    for (let i = 0; same && i < final.params.length; i++) same = Object.is(final.params[i], sim.params[i]);
    assert.ok(same, 'distributed parameters equal the simulated ones bit for bit');
    const valLoss = closed[closed.length - 1]!['valLoss'] as number;
    assert.ok(Number.isFinite(valLoss) && Number.isFinite(sim.finalValLoss));
  });
});

test('trainers killed (one, then two at once), restarted, and joining mid-run: the run goes on and everyone ends on one model', { timeout: 300_000 }, async () => {
  await withSwarm(async (dir, spawn) => {
    const c = spawn(coordinate(dir, ['--rounds', '10', '--min-peers', '3', '--train-seconds', '60']));
    const addr = await coordinatorAddr(c);
    const join_ = (i: number): Proc => spawn(['join', addr, '--dir', join(dir, `t${i}`)]);
    const t = [join_(0), join_(1), join_(2)];
    await c.waitFor(closedRound(1));
    t[2]!.child.kill('SIGKILL'); // dies in round 2, before it could commit (or just after)
    const r2 = await c.waitFor(closedRound(2));
    assert.ok((r2['accepted'] as number) >= 2, 'round 2 closes without waiting for the dead trainer');
    const t2 = join_(2); // restarted on its folder: same key
    const t3 = join_(3); // a new peer joining mid-run
    // A joiner enters at the next round boundary after its join.
    const joinedAt = Math.max(...await Promise.all([t2, t3].map(async (p) => (await p.waitFor((e) => e.kind === 'joined'))['round'] as number)));
    const full = await c.waitFor(closedRound(joinedAt + 1));
    assert.equal(full['accepted'], 4, `both newcomers contribute from round ${joinedAt + 1} on`);
    t[0]!.child.kill('SIGKILL');
    t[1]!.child.kill('SIGKILL');
    const after = await c.waitFor(closedRound(joinedAt + 3));
    assert.equal(after['accepted'], 2, 'rounds go on with the two survivors');
    assert.ok(joinedAt + 3 <= 10);
    const done = await c.waitFor((e) => e.kind === 'done', 120_000);
    for (const p of [t2, t3]) assert.equal((await p.waitFor((e) => e.kind === 'summary', 60_000))['model'], done['model']);
    assert.ok(t2.events.some((e) => e.kind === 'synced' && e['how'] === 'fetched'), 'the restarted trainer caught up by fetching the checkpoint');
    const started = c.events.find((e) => e.kind === 'started')!;
    const ledger = ledgerOf(join(dir, 'c'), { run: started['run'] as string, signer: started['peer'] as string });
    assert.deepEqual(ledger.map((r) => r.record.round), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

test('the coordinator killed and restarted recovers from its ledger; no accepted round is lost', { timeout: 300_000 }, async () => {
  await withSwarm(async (dir, spawn) => {
    const args = coordinate(dir, ['--rounds', '5', '--min-peers', '2', '--train-seconds', '60']);
    const c1 = spawn(args);
    const addr = await coordinatorAddr(c1);
    const t = [0, 1].map((i) => spawn(['join', addr, '--dir', join(dir, `t${i}`)]));
    await c1.waitFor(closedRound(2));
    const started = c1.events.find((e) => e.kind === 'started')!;
    const run = started['run'] as string;
    const signer = started['peer'] as string;
    c1.child.kill('SIGKILL');
    await c1.exited;
    const before = ledgerOf(join(dir, 'c'), { run, signer: signer });
    assert.ok(before.length >= 3, 'rounds 1 and 2 were in the ledger before the crash');
    const c2 = spawn(args);
    const restarted = await c2.waitFor((e) => e.kind === 'started');
    assert.equal(restarted['resumed'], true);
    assert.equal(restarted['run'], run);
    assert.equal(restarted['round'], before[before.length - 1]!.record.round + 1);
    const done = await c2.waitFor((e) => e.kind === 'done', 200_000);
    for (const p of t) assert.equal((await p.waitFor((e) => e.kind === 'summary', 60_000))['model'], done['model']);
    const after = ledgerOf(join(dir, 'c'), { run, signer: signer });
    assert.deepEqual(after.map((r) => r.record.round), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(after.slice(0, before.length), before, 'the records written before the crash are kept as they were');
  });
});

test('a peer that is always late contributes nothing and never holds up a round', { timeout: 300_000 }, async () => {
  await withSwarm(async (dir, spawn) => {
    const c = spawn(coordinate(dir, ['--rounds', '3', '--min-peers', '2', '--train-seconds', '4']));
    const addr = await coordinatorAddr(c);
    const fast = spawn(['join', addr, '--dir', join(dir, 'fast')]);
    const slow = spawn(['join', addr, '--dir', join(dir, 'slow'), '--step-delay-ms', '5000']);
    const done = await c.waitFor((e) => e.kind === 'done', 200_000);
    const closed = c.events.filter((e) => e.kind === 'closed');
    assert.deepEqual(closed.map((e) => e['accepted']), [1, 1, 1], 'only the fast peer is accepted');
    assert.deepEqual(closed.map((e) => e['members']), [2, 2, 2], 'the slow peer stays a member');
    assert.ok(slow.events.some((e) => e.kind === 'skipped'), 'the slow peer saw its deadline pass');
    for (const p of [fast, slow]) assert.equal((await p.waitFor((e) => e.kind === 'summary', 60_000))['model'], done['model']);
  });
});

/**
 * Bad input never crashes a node and never corrupts a model (DESIGN.md): a real CoordinatorNode
 * and real TrainerNodes on loopback libp2p, and scripted peers with their own keys that send
 * hand-made requests, commitments, payloads and checkpoints. Every refusal is checked by its
 * named reason (in the response and in the coordinator's 'rejected' events), and after it the
 * run goes on: the next honest round closes, and the model it produces is the one an honest
 * peer computes from the contributions the ledger lists.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'cborg';
import { BlobFetchError, fetchBlob, sha256HexFast } from '../../src/net/index.ts';
import { gptParamShapes, initGpt, writeSafetensors, type RawTensor } from '../../src/nn/index.ts';
import {
  applyRound, dataAssignment, decodeContribution, decodeModelState, encodeCommitment, encodeModelState, encodeRunManifest, LIMITS, MODEL_STATE_FORMAT,
  ProtocolError, sign, type CoordinatorResponse, type ModelState, type RejectReason,
} from '../../src/protocol/index.ts';
import { runContext, type CoordinatorEvent } from '../../src/node/index.ts';
import {
  ScriptedPeer, smallConfig, smallDelta, startCoordinator, startTrainer, stopAll, type Cleanup, type CoordinatorHarness, type TrainerHarness,
} from './bad-input-harness.ts';
import { waitFor } from '../net/helpers.ts';

const cleanup: Cleanup = [];
afterEach(() => stopAll(cleanup));

/** Each network test's bound (they take one to two seconds; this leaves room for a loaded machine). */
const NET_TIMEOUT = 60_000;

/** A run id / hash that is not this run's. */
const OTHER = 'ab'.repeat(32);

type Closed = Extract<CoordinatorEvent, { kind: 'closed' }>;
type Rejected = Extract<CoordinatorEvent, { kind: 'rejected' }>;

const closedRound = (c: CoordinatorHarness, round: number): Promise<Closed> =>
  c.events.wait(`round ${round} to close`, (e) => e.kind === 'closed' && e.round === round) as Promise<Closed>;

/** The trainer has committed its contribution for `round` (so that round is open and waits on the others). */
const trainerCommitted = (t: TrainerHarness, round: number): Promise<unknown> =>
  t.events.wait(`trainer to commit round ${round}`, (e) => e.kind === 'committed' && e.round === round);

/**
 * The trainer recomputed round `round` itself from the ledger's accepted contributions and got
 * the coordinator's model hash (how: 'applied'), i.e. an honest peer agrees with the coordinator.
 */
async function trainerAgrees(t: TrainerHarness, closed: Closed): Promise<void> {
  const synced = await t.events.wait(`trainer to hold round ${closed.round}`, (e) => e.kind === 'synced' && e.round === closed.round);
  assert.deepEqual(synced, { kind: 'synced', round: closed.round, model: closed.model, how: 'applied' });
}

/** The refusal `res` names `reason`, and so does the coordinator's 'rejected' event for it. */
function assertRefused(c: CoordinatorHarness, eventsBefore: number, res: CoordinatorResponse, reason: RejectReason, peer: string, what: string): void {
  assert.equal(res.type, 'reject', `${what}: expected a refusal, got ${res.type}`);
  assert.equal(res.type === 'reject' ? res.reason : undefined, reason, `${what}: ${res.type === 'reject' ? res.message : ''}`);
  const events = c.events.all.slice(eventsBefore).filter((e): e is Rejected => e.kind === 'rejected');
  assert.equal(events.length, 1, `${what}: one 'rejected' event`);
  assert.equal(events[0]!.reason, reason, what);
  assert.equal(events[0]!.peer, peer, what);
}

/** Every value of the coordinator's model is finite, and its ledger's last checkpoint decodes to it. */
function assertModelSound(c: CoordinatorHarness): void {
  const state = c.node.state;
  assert.ok(state.params.every(Number.isFinite) && state.momentum.every(Number.isFinite), 'the model holds only finite values');
  const last = c.node.ledger[c.node.ledger.length - 1]!.record;
  const stored = decodeModelState(c.store.get(last.model)!, c.ctx.config.model);
  assert.deepEqual(stored.params, state.params);
  assert.equal(stored.round, last.round);
}

/**
 * The model of round `closed.round`, recomputed here from the previous checkpoint and the payloads
 * the ledger lists as accepted (in their canonical order): it must be the coordinator's.
 */
function assertLedgerModel(c: CoordinatorHarness, closed: Closed): void {
  const record = c.node.ledger.find((r) => r.record.round === closed.round)!.record;
  const prev = c.node.ledger[record.index - 1]!.record;
  const base = decodeModelState(c.store.get(prev.model)!, c.ctx.config.model);
  const deltas = record.accepted.map((a) => decodeContribution(c.ctx.codec, c.store.get(a.payloadHash)!, c.ctx.size));
  const next = applyRound(base, deltas, c.ctx.config.outer);
  assert.equal(sha256HexFast(encodeModelState(c.ctx.config.model, next)), closed.model);
  assert.equal(record.model, closed.model);
}

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('malformed coordinator requests', () => {
  it('are refused as malformed (or the oversized stream reset), and the coordinator keeps serving', { timeout: NET_TIMEOUT }, async () => {
    const c = await startCoordinator(cleanup, smallConfig());
    const { run } = c.ctx;
    const p = await ScriptedPeer.start(cleanup, c.address);
    const honest = { type: 'join', run, peer: p.peer, addrs: [] as string[], v: 1 };
    const cases: Array<[string, Uint8Array]> = [
      ['random bytes', noise(200, 7)],
      ['an empty body', new Uint8Array(0)],
      ['CBOR that is not a map', encode([1, 2, 3])],
      ['a join with a missing field (addrs)', encode({ type: 'join', run, peer: p.peer, v: 1 })],
      ['a message without its protocol version', encode({ type: 'hello' })],
      ['another protocol version', encode({ type: 'hello', v: 2 })],
      ['an unknown message type', encode({ type: 'steal', run, v: 1 })],
      ['a heartbeat whose round is a string', encode({ type: 'heartbeat', run, peer: p.peer, round: 'one', model: '', v: 1 })],
      ['a join whose peer is a byte string', encode({ ...honest, peer: new Uint8Array(32) })],
      ['a join whose peer is upper-case hex', encode({ ...honest, peer: p.peer.toUpperCase() })],
      ['a join with 17 addresses', encode({ ...honest, addrs: Array.from({ length: 17 }, (_, i) => `/ip4/127.0.0.1/tcp/${i + 1}`) })],
      ['a commit whose signature is 63 bytes', encode({
        type: 'commit', run, addrs: [], v: 1,
        signed: { commitment: p.commitment(c.ctx, c.node.coordinator.status(Date.now()), new Uint8Array(8)), signature: new Uint8Array(63) },
      })],
      ['a non-canonical encoding (map keys out of order)', Uint8Array.of(0xa2, 0x64, ...new TextEncoder().encode('type'), 0x65, ...new TextEncoder().encode('hello'), 0x61, 0x76, 0x01)],
      ['a duplicate map key', Uint8Array.of(0xa2, 0x61, 0x76, 0x01, 0x61, 0x76, 0x01)],
      ['an extra field whose name is 5000 characters', encode({ ...honest, ['x'.repeat(5000)]: 1 })],
      ['arrays nested 60000 deep', Uint8Array.from([...new Uint8Array(60_000).fill(0x81), 0x01])],
    ];
    for (const [what, body] of cases) {
      const before = c.events.all.length;
      const res = await p.rawRequest(body).catch((err: Error) => assert.fail(`${what}: no answer (${err.name}: ${err.message})`));
      assertRefused(c, before, res, 'malformed', p.peer, what);
    }

    // Bigger than LIMITS.request: the transport resets the stream before reading the body.
    await assert.rejects(p.raw(new Uint8Array(LIMITS.request + 1)));
    const reset = await c.streamErrors.wait('the oversized request to be reset', (e) => e.from === p.peer);
    assert.equal(reset.error.name, 'FrameTooLargeError');

    // Nothing changed, and the coordinator still answers the same peer.
    const status = await p.status({ type: 'hello' });
    assert.equal(status.phase, 'waiting');
    assert.deepEqual(c.node.coordinator.members, []);
    assert.equal(c.node.ledger.length, 1);

    // The next honest round closes normally.
    const t = await startTrainer(cleanup, c.address);
    const closed = await closedRound(c, 1);
    assert.equal(closed.accepted, 1);
    await trainerAgrees(t, closed);
    assertLedgerModel(c, closed);
    assertModelSound(c);
  });
});

describe('refused commitments', () => {
  it('each names its reason and changes nothing; the round then closes with the honest contributions', { timeout: NET_TIMEOUT }, async () => {
    const c = await startCoordinator(cleanup, smallConfig({ minPeers: 2 }));
    const { run, config } = c.ctx;
    const p = await ScriptedPeer.start(cleanup, c.address);
    const q = await ScriptedPeer.start(cleanup, c.address); // never joins
    const genesis = (await p.join(run)).model;
    await p.heartbeat(run, genesis);
    const t = await startTrainer(cleanup, c.address);

    // Round 1: P and the trainer both contribute.
    await trainerCommitted(t, 1);
    let status = await p.heartbeat(run, genesis);
    assert.equal(status.phase, 'train');
    assert.deepEqual(status.members, [p.peer, t.peer].sort());
    const first = p.sign(p.commitment(c.ctx, status, c.ctx.codec.encode(smallDelta(c.ctx, 1))));
    assert.equal((await p.commit(run, first)).type, 'status');
    const closed1 = await closedRound(c, 1);
    assert.equal(closed1.accepted, 2);

    // Round 2 is open (the trainer has committed) and waits for P.
    await trainerCommitted(t, 2);
    status = await p.heartbeat(run, closed1.model);
    assert.equal(status.phase, 'train');
    assert.equal(status.round, 2);
    const payload = c.ctx.codec.encode(smallDelta(c.ctx, 2));
    const honest = p.commitment(c.ctx, status, payload);
    const ofQ = q.commitment(c.ctx, status, payload);
    const cases: Array<[string, RejectReason, ScriptedPeer, () => Promise<CoordinatorResponse>]> = [
      ['a replay of its round-1 commitment', 'stale-round', p, () => p.commit(run, first)],
      ['a commitment for round 3', 'stale-round', p, () => p.commit(run, p.sign({ ...honest, round: 3, assignment: dataAssignment(run, 3, p.peer, config.H) }))],
      ['a commitment signed by another key', 'bad-signature', p, () => p.commit(run, { commitment: honest, signature: sign(q.identity, encodeCommitment(honest)) })],
      ['a commitment with a flipped signature bit', 'bad-signature', p, () => {
        const signed = p.sign(honest);
        const signature = Uint8Array.from(signed.signature);
        signature[5] = signature[5]! ^ 1;
        return p.commit(run, { commitment: honest, signature });
      }],
      ['a commitment of another peer, sent by P', 'bad-signature', p, () => p.commit(run, q.sign(ofQ))],
      ['a commitment from a peer that never joined', 'unknown-peer', q, () => q.commit(run, q.sign(ofQ))],
      ['a commitment trained from another model', 'hash-mismatch', p, () => p.commit(run, p.sign({ ...honest, baseModel: genesis }))],
      ['a commitment with the wrong payload size', 'malformed', p, () => p.commit(run, p.sign({ ...honest, payloadBytes: honest.payloadBytes + 1 }))],
      ['a commitment with another data assignment', 'malformed', p, () => p.commit(run, p.sign({ ...honest, assignment: { ...honest.assignment, stream: honest.assignment.stream ^ 1 } }))],
      ['a commitment for another run', 'wrong-run', p, () => p.commit(run, p.sign({ ...honest, run: OTHER }))],
      ['a commit request for another run', 'wrong-run', p, () => p.commit(OTHER, p.sign(honest))],
    ];
    for (const [what, reason, sender, send] of cases) {
      const before = c.events.all.length;
      assertRefused(c, before, await send(), reason, sender.peer, what);
    }

    // Nothing changed: round 2 is still open, waiting for P, and the ledger has not moved.
    status = await p.heartbeat(run, closed1.model);
    assert.equal(status.phase, 'train');
    assert.equal(status.round, 2);
    assert.equal(c.node.ledger.length, 2);
    assert.deepEqual(c.node.coordinator.members, [p.peer, t.peer].sort());

    // P's honest commitment is still welcome, and the round closes with exactly the two honest ones.
    assert.equal((await p.commit(run, p.sign(honest))).type, 'status');
    const closed2 = await closedRound(c, 2);
    assert.equal(closed2.accepted, 2);
    const record = c.node.ledger[2]!.record;
    assert.deepEqual(record.accepted.map((a) => a.peer), [p.peer, t.peer].sort());
    assert.equal(record.accepted.find((a) => a.peer === p.peer)!.payloadHash, honest.payloadHash);
    await trainerAgrees(t, closed2);
    assertLedgerModel(c, closed2);
    assertModelSound(c);
  });
});

describe('bad payloads', () => {
  /**
   * Round 1 with a scripted peer P and a real trainer: P commits `payload` (under its real hash),
   * its blob store serving `served` instead when given; P then leaves. Returns what the round did.
   */
  async function roundWithBadPayload(makePayload: (c: CoordinatorHarness) => Uint8Array, served?: (payload: Uint8Array) => Uint8Array): Promise<{
    c: CoordinatorHarness; p: ScriptedPeer; t: TrainerHarness; hash: string; closed: Closed; rejected: Rejected[];
  }> {
    const c = await startCoordinator(cleanup, smallConfig({ minPeers: 2 }));
    const { run } = c.ctx;
    const p = await ScriptedPeer.start(cleanup, c.address);
    const genesis = (await p.join(run)).model;
    await p.heartbeat(run, genesis);
    const t = await startTrainer(cleanup, c.address);
    await trainerCommitted(t, 1);
    const status = await p.heartbeat(run, genesis);
    const payload = makePayload(c);
    const commitment = p.commitment(c.ctx, status, payload);
    if (served !== undefined) p.store.lies.set(commitment.payloadHash, served(payload));
    // The commitment itself is in order: it is accepted, and only the payload betrays it.
    assert.equal((await p.commit(run, p.sign(commitment))).type, 'status');
    assert.equal((await p.send({ type: 'leave', run, peer: p.peer })).type, 'status');
    const closed = await closedRound(c, 1);
    const rejected = c.events.all.filter((e): e is Rejected => e.kind === 'rejected');
    return { c, p, t, hash: commitment.payloadHash, closed, rejected };
  }

  /** The bad contribution is not in the ledger; the trainer's is, and the run goes on without P. */
  async function assertDroppedAndRunGoesOn(c: CoordinatorHarness, p: ScriptedPeer, t: TrainerHarness, hash: string, closed: Closed): Promise<void> {
    assert.equal(closed.accepted, 1);
    assert.equal(closed.members, 2);
    const record = c.node.ledger[1]!.record;
    assert.deepEqual(record.members, [p.peer, t.peer].sort());
    assert.deepEqual(record.accepted.map((a) => a.peer), [t.peer]);
    assert.ok(!record.accepted.some((a) => a.payloadHash === hash));
    assert.equal(c.store.get(hash), undefined, 'the coordinator did not keep the bad payload');
    await trainerAgrees(t, closed);
    assertLedgerModel(c, closed);
    assertModelSound(c);
    const next = await closedRound(c, 2);
    assert.equal(next.accepted, 1);
    assert.equal(next.members, 1);
    await trainerAgrees(t, next);
    assertLedgerModel(c, next);
    assertModelSound(c);
  }

  it('bytes that do not match the committed hash are dropped at close (hash-mismatch)', { timeout: NET_TIMEOUT }, async () => {
    const corrupt = (payload: Uint8Array): Uint8Array => {
      const bad = Uint8Array.from(payload);
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
      return bad;
    };
    const { c, p, t, hash, closed, rejected } = await roundWithBadPayload((c) => c.ctx.codec.encode(smallDelta(c.ctx, 3)), corrupt);
    assert.ok((p.store.asked.get(hash) ?? 0) >= 1, 'the coordinator asked P for its payload');
    assert.deepEqual(rejected.map((e) => [e.round, e.peer, e.reason]), [[1, p.peer, 'hash-mismatch']]);
    await assertDroppedAndRunGoesOn(c, p, t, hash, closed);
  });

  it('a payload that hashes right but decodes to NaN is dropped at close (non-finite)', { timeout: NET_TIMEOUT }, async () => {
    const withNaN = (c: CoordinatorHarness): Uint8Array => {
      const payload = c.ctx.codec.encode(smallDelta(c.ctx, 4));
      // int8 payload: 8-byte header, then block 0's codebook of 256 f32; entry 0 becomes NaN.
      new DataView(payload.buffer, payload.byteOffset).setFloat32(8, NaN, true);
      return payload;
    };
    const { c, p, t, hash, closed, rejected } = await roundWithBadPayload(withNaN);
    assert.deepEqual(rejected.map((e) => [e.round, e.peer, e.reason]), [[1, p.peer, 'non-finite']]);
    await assertDroppedAndRunGoesOn(c, p, t, hash, closed);
  });

  it('a finite payload big enough to overflow the outer step is dropped and the model stays finite', { timeout: NET_TIMEOUT }, async () => {
    const huge = (c: CoordinatorHarness): Uint8Array => {
      const payload = c.ctx.codec.encode(smallDelta(c.ctx, 5));
      const view = new DataView(payload.buffer, payload.byteOffset);
      for (let k = 0; k < 256; k++) view.setFloat32(8 + 4 * k, 3e38, true);
      return payload;
    };
    const { c, p, t, hash, closed, rejected } = await roundWithBadPayload(huge);
    assertModelSound(c);
    assert.deepEqual(rejected.map((e) => [e.round, e.peer, e.reason]), [[1, p.peer, 'malformed']], 'the contribution is refused at close (beyond MAX_CONTRIBUTION_ABS)');
    await assertDroppedAndRunGoesOn(c, p, t, hash, closed);
  });
});

describe('a checkpoint served with the wrong bytes', () => {
  /** A valid checkpoint of the same model with other weights (seed 99): only its hash gives it away. */
  const impostor = (c: CoordinatorHarness): Uint8Array => {
    const params = Float32Array.from(initGpt(c.ctx.config.model, 99).flat);
    return encodeModelState(c.ctx.config.model, { params, momentum: new Float32Array(params.length), round: 0 });
  };

  it('fetchBlob skips a provider whose bytes do not hash right and takes the next one', { timeout: NET_TIMEOUT }, async () => {
    const c = await startCoordinator(cleanup, smallConfig());
    const model = c.node.coordinator.model;
    const liar = await ScriptedPeer.start(cleanup, c.address);
    liar.store.lies.set(model, impostor(c));
    const fetcher = await ScriptedPeer.start(cleanup, c.address);
    const liarAddress = { peer: liar.peer, addrs: liar.transport.addresses() };

    const bytes = await fetchBlob(fetcher.transport, model, [liarAddress, c.address], { maxBytes: 1 << 24, timeoutMs: 10_000 });
    assert.equal(liar.store.asked.get(model), 1, 'the lying provider was tried first');
    assert.equal(sha256HexFast(bytes), model);
    assert.deepEqual(decodeModelState(bytes, c.ctx.config.model).params, c.node.state.params);

    // With only the liar, the fetch fails and says why.
    const err = await fetchBlob(fetcher.transport, model, [liarAddress], { maxBytes: 1 << 24, timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BlobFetchError);
    assert.deepEqual(err.failures.map((f) => [f.peer, f.reason]), [[liar.peer, 'hash-mismatch']]);
  });

  it('a joining trainer passes over a lying provider and ends up with the right model', { timeout: NET_TIMEOUT }, async () => {
    const c = await startCoordinator(cleanup, smallConfig({ minPeers: 3 }));
    const { run } = c.ctx;
    const model = c.node.coordinator.model;
    // The liar joins first and claims to hold the model, so it is listed before honest holders.
    const liar = await ScriptedPeer.start(cleanup, c.address);
    liar.store.lies.set(model, impostor(c));
    await liar.join(run);
    await liar.heartbeat(run, model);
    const t1 = await startTrainer(cleanup, c.address);
    await t1.events.wait('the first trainer to hold the model', (e) => e.kind === 'synced' && e.model === model);
    await waitFor('the first trainer to report holding the model', () => c.node.coordinator.allHold(model), 10_000);
    const status = await liar.heartbeat(run, model);
    assert.deepEqual(status.providers.map((p) => p.peer), [c.transport.self, liar.peer, t1.peer], 'providers: coordinator, liar, honest trainer');
    assert.equal(liar.store.asked.get(model), undefined, 'nobody has asked the liar yet');
    // The coordinator's own copy is damaged on disk: its store drops it and answers not-found.
    writeFileSync(join(c.store.dir, model), impostor(c));

    const t2 = await startTrainer(cleanup, c.address);
    const synced = await t2.events.wait('the second trainer to hold the model', (e) => e.kind === 'synced');
    assert.deepEqual(synced, { kind: 'synced', round: 0, model, how: 'fetched' });
    assert.equal(liar.store.asked.get(model), 1, 'the liar was asked and passed over');
    assert.equal(sha256HexFast(t2.store.get(model)!), model);

    // The run goes on: round 1 opens with all three; the trainers commit, the liar leaves, and
    // the round closes normally with the two honest contributions.
    await Promise.all([trainerCommitted(t1, 1), trainerCommitted(t2, 1)]);
    assert.equal((await liar.send({ type: 'leave', run, peer: liar.peer })).type, 'status');
    const closed = await closedRound(c, 1);
    assert.equal(closed.accepted, 2);
    await trainerAgrees(t1, closed);
    await trainerAgrees(t2, closed);
    assertModelSound(c);
  });
});

describe('decodeModelState on bad checkpoints', () => {
  // The small run's context, from a manifest alone (no node needed).
  const ctx = runContext(encodeRunManifest(smallConfig(), OTHER));
  const model = ctx.config.model;
  const size = ctx.size;
  const state: ModelState = {
    params: Float32Array.from({ length: size }, (_, i) => Math.fround(Math.sin(i) * 0.02)),
    momentum: Float32Array.from({ length: size }, (_, i) => Math.fround(Math.cos(i) * 0.001)),
    round: 3,
  };

  /** The checkpoint's tensors as encodeModelState writes them, to tamper with. */
  function entries(): Array<[string, RawTensor]> {
    const out: Array<[string, RawTensor]> = [];
    let at = 0;
    for (const [name, shape] of gptParamShapes(model)) {
      const n = shape.reduce((a, b) => a * b, 1);
      out.push([name, { dtype: 'F32', shape, data: state.params.slice(at, at + n) }]);
      at += n;
    }
    out.push(['outer.momentum', { dtype: 'F32', shape: [size], data: Float32Array.from(state.momentum) }]);
    return out;
  }
  const write = (es: Array<[string, RawTensor]>, meta: Record<string, string> = { format: MODEL_STATE_FORMAT, round: '3' }): Uint8Array => writeSafetensors(es, meta);

  function refuses(bytes: Uint8Array, reason: RejectReason, pattern?: RegExp): void {
    assert.throws(() => decodeModelState(bytes, model), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
      assert.equal(err.reason, reason, err.message);
      if (pattern !== undefined) assert.match(err.message, pattern);
      return true;
    });
  }

  it('the untampered checkpoint decodes (the tampering below is all that differs)', () => {
    const bytes = write(entries());
    assert.deepEqual(bytes, encodeModelState(model, state));
    const back = decodeModelState(bytes, model);
    assert.deepEqual(back.params, state.params);
    assert.deepEqual(back.momentum, state.momentum);
    assert.equal(back.round, 3);
  });

  it('a NaN or an infinity in any tensor: non-finite', () => {
    for (const [tensor, value] of [[0, NaN], [3, Infinity], [-1, -Infinity]] as const) {
      const es = entries();
      const [name, t] = es.at(tensor)!;
      (t.data as Float32Array)[t.data.length - 1] = value;
      refuses(write(es), 'non-finite', new RegExp(name.replace(/\./g, '\\.')));
    }
  });

  it('a missing tensor: malformed', () => {
    refuses(write(entries().filter(([name]) => name !== 'wpe.weight')), 'malformed');
    refuses(write(entries().filter(([name]) => name !== 'outer.momentum')), 'malformed');
    // Same count of tensors, one renamed.
    refuses(write(entries().map(([name, t]) => [name === 'wpe.weight' ? 'wpe.weights' : name, t])), 'malformed', /wpe\.weight/);
  });

  it('a tensor of the wrong shape: malformed', () => {
    const transposed = entries().map(([name, t]): [string, RawTensor] => [name, name === 'wte.weight' ? { ...t, shape: [...t.shape].reverse() } : t]);
    refuses(write(transposed), 'malformed', /wte\.weight/);
    const flat = entries().map(([name, t]): [string, RawTensor] => [name, name === 'wte.weight' ? { ...t, shape: [t.data.length] } : t]);
    refuses(write(flat), 'malformed', /wte\.weight/);
    const shortMomentum = entries().map(([name, t]): [string, RawTensor] => [name, name === 'outer.momentum' ? { ...t, shape: [size - 1], data: t.data.slice(1) } : t]);
    refuses(write(shortMomentum), 'malformed', /outer\.momentum/);
  });

  it('an extra tensor, another format, a bad round, or bytes that are not safetensors: malformed', () => {
    refuses(write([...entries(), ['extra', { dtype: 'F32', shape: [1], data: Float32Array.of(0) }]]), 'malformed');
    refuses(write(entries(), { format: 'someone-else', round: '3' }), 'malformed');
    refuses(write(entries(), { format: MODEL_STATE_FORMAT, round: '-1' }), 'malformed');
    refuses(write(entries(), { format: MODEL_STATE_FORMAT, round: '1.5' }), 'malformed');
    refuses(noise(5000, 3), 'malformed');
    refuses(new Uint8Array(0), 'malformed');
    const good = encodeModelState(model, state);
    refuses(good.subarray(0, good.length - 4), 'malformed');
  });
});


/**
 * The coordinator's round state machine, driven with the fake clock and, where the bytes
 * matter, through the in-memory transport (encodeRequest -> MemoryNetwork -> decodeRequest ->
 * RoundCoordinator.handle -> encodeResponse -> decodeResponse): phases, deadlines, eviction,
 * admission, every rejection with the state unchanged after it, and a 3-round run end to end.
 * Also the memory transport and fake clock themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BOUNDS, commitmentHash, dataAssignment, decodeAnnouncement, decodeBlobRequest, decodeRequest, decodeResponse, encodeAnnouncement,
  encodeBlobRequest, encodeCommitment, encodeRequest, encodeResponse, frameRecord, genesisRecord, LIMITS, nextRecord, parseLedger,
  ProtocolError, rejectionOf, RoundCoordinator, sha256Hex, sign, signCommitment, signRecord,
  type CloseAction, type Commitment, type CoordinatorRequest, type CoordinatorResponse, type Hash, type Identity, type RunConfig,
  type RunStatus, type SignedCommitment, type SignedRecord,
} from '../../src/protocol/index.ts';
import { FakeClock, MemoryNetwork, MemoryTransportError, type MemoryTransport } from '../../src/protocol/memory-transport.ts';
import { alice, bob, carol, coordinator, h, ident, RUN, runConfig } from './fixtures.ts';

const H = 4;
const PAYLOAD = 32;
const M0 = h('model-0');
const COORD = { peer: coordinator.peer, addrs: [] };
const config = (over: Partial<RunConfig> = {}): RunConfig =>
  ({ ...runConfig(), H, rounds: 3, minPeers: 2, maxPeers: 64, trainSeconds: 60, heartbeatSeconds: 1, evictAfterSeconds: 10, ...over });
const sorted = (...ids: Identity[]): string[] => ids.map((i) => i.peer).sort();
const isReason = (r: string) => (e: unknown): boolean => e instanceof ProtocolError && e.reason === r;

function commitment(who: Identity, round: number, over: Partial<Commitment> = {}): Commitment {
  return {
    run: RUN, round, peer: who.peer, baseModel: M0, assignment: dataAssignment(RUN, round, who.peer, H),
    payloadHash: h(`payload-${who.peer}-${round}`), payloadBytes: PAYLOAD, stepsRoot: h('steps'), loss: 2.5, ...over,
  };
}

/** A coordinator served over a MemoryNetwork, and one transport per peer talking to it in encoded messages. */
class Harness {
  readonly clock = new FakeClock();
  readonly net = new MemoryNetwork({ clock: this.clock });
  readonly coord: RoundCoordinator;
  readonly #peers = new Map<string, MemoryTransport>();

  constructor(cfg: RunConfig = config(), last = signRecord(coordinator, genesisRecord(RUN, M0))) {
    this.coord = new RoundCoordinator({ run: RUN, config: cfg, last, self: COORD, payloadBytes: PAYLOAD });
    this.net.connect(coordinator.peer).handle('coordinator', async (body, from) => {
      try {
        return encodeResponse(this.coord.handle(decodeRequest(body), from, this.clock.now()));
      } catch (e) {
        return encodeResponse(rejectionOf(e));
      }
    }, { maxRequestBytes: LIMITS.request });
  }

  /** Sends `req` from `via`'s transport (the key the transport authenticates). */
  async send(via: Identity, req: CoordinatorRequest): Promise<CoordinatorResponse> {
    let t = this.#peers.get(via.peer);
    if (t === undefined) this.#peers.set(via.peer, t = this.net.connect(via.peer));
    return decodeResponse(await t.request(COORD, 'coordinator', encodeRequest(req), { maxResponseBytes: LIMITS.response }));
  }
  async ok(via: Identity, req: CoordinatorRequest): Promise<RunStatus> {
    const res = await this.send(via, req);
    assert.equal(res.type, 'status', res.type === 'reject' ? res.message : '');
    return res as RunStatus;
  }
  join = (who: Identity, addrs: string[] = []): Promise<RunStatus> => this.ok(who, { type: 'join', run: RUN, peer: who.peer, addrs });
  beat = (who: Identity, model: Hash | '' = M0): Promise<RunStatus> => this.ok(who, { type: 'heartbeat', run: RUN, peer: who.peer, round: 0, model });
  commitReq = (signed: SignedCommitment): CoordinatorRequest => ({ type: 'commit', run: RUN, signed, addrs: [] });
  commit = (who: Identity, c: Commitment = commitment(who, this.coord.round)): Promise<RunStatus> => this.ok(who, this.commitReq(signCommitment(who, c)));
  tick = (): CloseAction | undefined => this.coord.tick(this.clock.now());
  snapshot = (): string => JSON.stringify([this.coord.status(this.clock.now()), this.coord.members, this.coord.pending, this.coord.phase]);

  /** Refused with `reason`, and nothing observable changed. */
  async refused(via: Identity, req: CoordinatorRequest, reason: string): Promise<void> {
    const before = this.snapshot();
    const res = await this.send(via, req);
    assert.equal(res.type === 'reject' && res.reason, reason, JSON.stringify(res.type === 'reject' ? res : res.phase));
    assert.equal(this.snapshot(), before);
  }

  /** Everyone joins, reports M0, and round 1 opens. */
  async open(...ids: Identity[]): Promise<void> {
    for (const id of ids) await this.join(id);
    this.tick();
    for (const id of ids) await this.beat(id);
    this.tick();
    assert.equal(this.coord.phase, 'train');
  }

  /** Closes the round as the node would: a record with the action's commits accepted. */
  finish(action: CloseAction, model: Hash = h(`model-${action.round}`)): SignedRecord {
    const accepted = action.commits.map(({ signed }) => ({ peer: signed.commitment.peer, payloadHash: signed.commitment.payloadHash, commitmentHash: commitmentHash(signed) }));
    const record = signRecord(coordinator, nextRecord(this.coord.last, { round: action.round, members: action.members, accepted, model, time: this.clock.now() }));
    this.coord.finishRound(record, this.clock.now());
    return record;
  }
}

test('waiting -> warmup when minPeers join; warmup ends early once every member reports the model', async () => {
  const x = new Harness();
  await x.join(alice);
  x.tick();
  assert.equal(x.coord.phase, 'waiting');
  await x.join(bob);
  x.tick();
  assert.equal(x.coord.phase, 'warmup');
  await x.beat(alice);
  await x.beat(bob, '');
  x.tick();
  assert.equal(x.coord.phase, 'warmup');
  await x.beat(bob);
  x.tick();
  const s = x.coord.status(x.clock.now());
  assert.deepEqual([s.phase, s.round, s.members, s.deadline], ['train', 1, sorted(alice, bob), x.clock.now() + 60_000]);
});

test('warmup ends at its timeout (trainSeconds) when a member never reports the model', async () => {
  const x = new Harness(config({ evictAfterSeconds: 120 }));
  await x.join(alice);
  await x.join(bob);
  x.tick();
  await x.beat(alice);
  x.clock.advance(59_999);
  x.tick();
  assert.equal(x.coord.phase, 'warmup');
  x.clock.advance(1);
  x.tick();
  assert.deepEqual([x.coord.phase, x.coord.status(x.clock.now()).members], ['train', sorted(alice, bob)]);
});

test('a round closes as soon as every live member committed, once, with commits in canonical order', async () => {
  const x = new Harness(config({ evictAfterSeconds: 1000 }));
  await x.open(alice, bob, carol);
  const order = [alice, bob, carol].sort((a, b) => (a.peer < b.peer ? 1 : -1)); // commit in reverse key order
  for (const id of order.slice(0, 2)) await x.commit(id);
  assert.equal(x.tick(), undefined);
  await x.commit(order[2]!);
  const action = x.tick();
  assert.deepEqual(action?.commits.map((c) => c.signed.commitment.peer), sorted(alice, bob, carol));
  assert.deepEqual([action?.round, action?.members, x.coord.phase], [1, sorted(alice, bob, carol), 'close']);
  x.clock.advance(120_000);
  assert.equal(x.tick(), undefined);
  assert.throws(() => x.finish({ ...action!, round: 2 }), isReason('stale-round'));
  x.finish(action!);
  assert.throws(() => x.finish(action!), isReason('stale-round')); // round 2 is in 'train', not 'close'
});

test('at the deadline a round closes with whatever arrived: a silent member never blocks it', async () => {
  const x = new Harness(config({ evictAfterSeconds: 120 }));
  await x.open(alice, bob, carol);
  await x.commit(bob);
  x.clock.advance(59_999);
  assert.equal(x.tick(), undefined);
  x.clock.advance(1);
  assert.deepEqual(x.tick()?.commits.map((c) => c.signed.commitment.peer), [bob.peer]);
});

test('eviction after evictAfterSeconds of silence: no blocking, heartbeat refused, join again', async () => {
  const x = new Harness();
  await x.open(alice, bob, carol);
  await x.commit(alice);
  await x.commit(bob);
  x.clock.advance(10_000);
  assert.equal(x.tick(), undefined); // carol silent exactly 10 s: still a member
  x.clock.advance(1);
  await x.beat(alice);
  await x.beat(bob);
  const action = x.tick();
  assert.deepEqual([action?.commits.length, action?.members, x.coord.members], [2, sorted(alice, bob, carol), sorted(alice, bob)]);
  await x.refused(carol, { type: 'heartbeat', run: RUN, peer: carol.peer, round: 1, model: M0 }, 'unknown-peer');
  await x.join(carol);
  assert.deepEqual(x.coord.pending, [carol.peer]);
  x.finish(action!);
  assert.deepEqual(x.coord.status(x.clock.now()).members, sorted(alice, bob, carol));
});

test('admission only at round boundaries: a peer joining during train waits for the next round', async () => {
  const x = new Harness();
  await x.open(alice, bob);
  const s = await x.join(carol, ['/memory/carol']);
  assert.deepEqual([s.members, x.coord.pending, x.coord.members], [sorted(alice, bob), [carol.peer], sorted(alice, bob)]);
  await x.beat(carol); // a pending peer may heartbeat
  await x.refused(carol, x.commitReq(signCommitment(carol, commitment(carol, 1))), 'unknown-peer');
  await x.commit(alice);
  await x.commit(bob);
  x.finish(x.tick()!);
  const next = x.coord.status(x.clock.now());
  assert.deepEqual([next.phase, next.round, next.members, x.coord.pending], ['train', 2, sorted(alice, bob, carol), []]);
});

test('minPeers gates only round 1; with no members left the run waits, and one member restarts it', async () => {
  const x = new Harness(config({ minPeers: 2, evictAfterSeconds: 1000 }));
  await x.open(alice, bob);
  await x.ok(bob, { type: 'leave', run: RUN, peer: bob.peer });
  await x.commit(alice);
  x.finish(x.tick()!);
  assert.deepEqual([x.coord.phase, x.coord.round, x.coord.status(x.clock.now()).members], ['train', 2, [alice.peer]]);
  await x.ok(alice, { type: 'leave', run: RUN, peer: alice.peer });
  x.finish(x.tick()!); // no live member: closes at once, with nothing
  assert.deepEqual([x.coord.phase, x.coord.round], ['waiting', 3]);
  await x.join(carol);
  x.tick();
  assert.equal(x.coord.phase, 'warmup');
  // A coordinator restarted from a later record needs one member too.
  const y = new Harness(config({ minPeers: 5 }), x.coord.last);
  await y.join(carol);
  y.tick();
  assert.deepEqual([y.coord.round, y.coord.phase], [3, 'warmup']);
});

test("the run is 'done' after config.rounds; a coordinator resumed from the last record starts done", async () => {
  const x = new Harness(config({ rounds: 2 }));
  await x.open(alice, bob);
  for (let round = 1; round <= 2; round++) {
    await x.commit(alice, commitment(alice, round, { baseModel: x.coord.model }));
    await x.commit(bob, commitment(bob, round, { baseModel: x.coord.model }));
    x.finish(x.tick()!);
  }
  assert.equal(x.coord.phase, 'done');
  assert.equal(x.tick(), undefined);
  await x.refused(alice, x.commitReq(signCommitment(alice, commitment(alice, 3, { baseModel: x.coord.model }))), 'stale-round');
  assert.equal(new Harness(config({ rounds: 2 }), x.coord.last).coord.phase, 'done');
});

test('every rejection names its reason and changes nothing', async () => {
  const x = new Harness(config({ evictAfterSeconds: 120 }));
  const dave = ident(4);
  const other = h('other-run');
  await x.refused(dave, { type: 'heartbeat', run: RUN, peer: dave.peer, round: 0, model: '' }, 'unknown-peer'); // before join
  await x.open(alice, bob);
  const signed = (c: Commitment, by: Identity = alice): SignedCommitment => signCommitment(by, c);
  const cases: Array<[string, Identity, CoordinatorRequest]> = [
    ['wrong-run', alice, { type: 'join', run: other, peer: alice.peer, addrs: [] }],
    ['wrong-run', alice, { type: 'heartbeat', run: other, peer: alice.peer, round: 1, model: M0 }],
    ['wrong-run', alice, { type: 'commit', run: other, signed: signed(commitment(alice, 1)), addrs: [] }],
    ['wrong-run', alice, x.commitReq(signed(commitment(alice, 1, { run: other })))],
    ['stale-round', alice, x.commitReq(signed(commitment(alice, 2)))],
    ['stale-round', alice, x.commitReq(signed({ ...commitment(alice, 1), round: 0 }))],
    ['unknown-peer', dave, x.commitReq(signed(commitment(dave, 1), dave))],
    ['hash-mismatch', alice, x.commitReq(signed(commitment(alice, 1, { baseModel: h('other-model') })))],
    ['malformed', alice, x.commitReq(signed(commitment(alice, 1, { assignment: dataAssignment(RUN, 2, alice.peer, H) })))],
    ['malformed', alice, x.commitReq(signed(commitment(alice, 1, { assignment: { ...dataAssignment(RUN, 1, alice.peer, H), steps: H + 1 } })))],
    ['malformed', alice, x.commitReq(signed(commitment(alice, 1, { payloadBytes: PAYLOAD - 1 })))],
    // Signed by bob's key but naming alice, sent by alice.
    ['bad-signature', alice, x.commitReq({ commitment: commitment(alice, 1), signature: sign(bob, encodeCommitment(commitment(alice, 1))) })],
    // Claims one peer, comes from another (the transport authenticated the sender).
    ['bad-signature', alice, x.commitReq(signed(commitment(bob, 1), bob))],
    ['bad-signature', alice, { type: 'heartbeat', run: RUN, peer: bob.peer, round: 1, model: M0 }],
    ['bad-signature', alice, { type: 'join', run: RUN, peer: dave.peer, addrs: [] }],
    ['bad-signature', alice, { type: 'leave', run: RUN, peer: bob.peer }],
  ];
  for (const [reason, via, req] of cases) await x.refused(via, req, reason);
  // A duplicate identical commit is accepted idempotently; any different second one is refused.
  const first = signed(commitment(alice, 1));
  await x.ok(alice, x.commitReq(first));
  await x.ok(alice, x.commitReq(first));
  await x.refused(alice, x.commitReq(signed(commitment(alice, 1, { payloadHash: h('another payload') }))), 'stale-round');
  await x.refused(alice, x.commitReq(signed(commitment(alice, 1, { stepsRoot: h('other steps') }))), 'stale-round');
  x.clock.advance(60_001);
  await x.refused(bob, x.commitReq(signed(commitment(bob, 1), bob)), 'late'); // deadline passed, not yet ticked
  const action = x.tick()!;
  await x.refused(bob, x.commitReq(signed(commitment(bob, 1), bob)), 'stale-round'); // during close
  assert.deepEqual(action.commits.map((c) => c.signed), [first]);
  x.finish(action);
  await x.refused(bob, x.commitReq(signed(commitment(bob, 1), bob)), 'stale-round'); // an old round
});

test('status().providers never exceeds BOUNDS.providers and still encodes', async () => {
  const x = new Harness(config({ minPeers: 1 }));
  const peers = Array.from({ length: 24 }, (_, i) => ident(40 + i));
  for (const p of peers) await x.join(p, [`/memory/${p.peer.slice(0, 8)}`]);
  for (const p of peers) await x.beat(p);
  const s = await x.ok(peers[0]!, { type: 'hello' });
  assert.equal(s.providers.length, BOUNDS.providers);
  assert.deepEqual(s.providers[0], COORD);
});

test('end to end in memory: 3 trainers, 3 rounds, one silent in round 2; the ledger chains', async () => {
  const cfg = config({ rounds: 3, minPeers: 3, trainSeconds: 30, evictAfterSeconds: 120 });
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock });
  const topic = `tessera/${RUN}`;
  const blobService = (t: MemoryTransport, store: Map<Hash, Uint8Array>): void => t.handle('blob', async (body) => {
    const bytes = store.get(decodeBlobRequest(body).hash);
    return bytes === undefined ? Uint8Array.of(0) : Uint8Array.from([1, ...bytes]);
  });
  const fetchBlob = async (t: MemoryTransport, hash: Hash, from: string): Promise<Uint8Array> => {
    const res = await t.request({ peer: from, addrs: [] }, 'blob', encodeBlobRequest({ type: 'blob', hash }));
    assert.equal(res[0], 1);
    assert.equal(sha256Hex(res.subarray(1)), hash);
    return res.subarray(1);
  };
  // The coordinator's node: its store holds checkpoints ("checkpoint n" = hash of the previous one and the payloads).
  const store = new Map<Hash, Uint8Array>();
  const put = (s: Map<Hash, Uint8Array>, b: Uint8Array): Hash => { const k = sha256Hex(b); s.set(k, b); return k; };
  const m0 = put(store, new TextEncoder().encode('checkpoint 0'));
  const genesis = signRecord(coordinator, genesisRecord(RUN, m0, [], clock.now()));
  const frames = [frameRecord(genesis)];
  const coord = new RoundCoordinator({ run: RUN, config: cfg, last: genesis, self: COORD, payloadBytes: PAYLOAD });
  const ct = net.connect(coordinator.peer);
  ct.handle('coordinator', async (body, from) => encodeResponse(coord.handle(decodeRequest(body), from, clock.now())));
  blobService(ct, store);
  let selfHeard = 0;
  ct.subscribe(topic, () => selfHeard++);
  const trainers = [alice, bob, carol].map((id) => {
    const t = net.connect(id.peer);
    const tr = { id, t, store: new Map<Hash, Uint8Array>(), held: '' as Hash | '', committed: 0, joined: false, heard: [] as number[] };
    blobService(t, tr.store);
    t.subscribe(topic, (body) => { const a = decodeAnnouncement(body); if (a.type === 'round-closed') tr.heard.push(a.last.record.round); });
    return tr;
  });
  const ask = async (t: MemoryTransport, req: CoordinatorRequest): Promise<RunStatus> => {
    const res = decodeResponse(await t.request(COORD, 'coordinator', encodeRequest(req)));
    assert.equal(res.type, 'status', res.type === 'reject' ? res.message : '');
    return res as RunStatus;
  };
  const step = async (tr: (typeof trainers)[number]): Promise<void> => {
    const { id, t } = tr;
    if (!tr.joined) { await ask(t, { type: 'join', run: RUN, peer: id.peer, addrs: [] }); tr.joined = true; }
    const s = await ask(t, { type: 'heartbeat', run: RUN, peer: id.peer, round: 0, model: tr.held });
    if (tr.held !== s.model) tr.held = put(tr.store, await fetchBlob(t, s.model, s.providers[0]!.peer));
    if (s.phase !== 'train' || !s.members.includes(id.peer) || tr.committed >= s.round) return;
    const payloadHash = put(tr.store, Uint8Array.from(Buffer.from(h(`delta-${id.peer}-${s.round}`), 'hex')));
    await ask(t, { type: 'commit', run: RUN, signed: signCommitment(id, commitment(id, s.round, { baseModel: s.model, payloadHash })), addrs: [] });
    tr.committed = s.round;
  };
  const close = async (action: CloseAction): Promise<void> => {
    const payloads: Uint8Array[] = [];
    for (const { signed, from } of action.commits) payloads.push(await fetchBlob(ct, signed.commitment.payloadHash, from.peer));
    const model = put(store, Uint8Array.from(Buffer.concat([Buffer.from(coord.model, 'hex'), ...payloads])));
    const accepted = action.commits.map(({ signed }) => ({ peer: signed.commitment.peer, payloadHash: signed.commitment.payloadHash, commitmentHash: commitmentHash(signed) }));
    const record = signRecord(coordinator, nextRecord(coord.last, { round: action.round, members: action.members, accepted, model, time: clock.now() }));
    frames.push(frameRecord(record));
    coord.finishRound(record, clock.now());
    await ct.publish(topic, encodeAnnouncement({ type: 'round-closed', last: record }));
  };
  for (let second = 0; second < 200 && coord.phase !== 'done'; second++) {
    for (const tr of trainers) if (!(tr.id === carol && coord.round === 2)) await step(tr);
    const action = coord.tick(clock.now());
    if (action !== undefined) await close(action);
    clock.advance(1000);
  }
  for (const tr of trainers) await step(tr);
  const { records, torn } = parseLedger(Uint8Array.from(Buffer.concat(frames)), { run: RUN, signer: coordinator.peer });
  assert.equal(torn, false);
  assert.deepEqual(records.map((r) => r.record.round), [0, 1, 2, 3]);
  assert.deepEqual(records.slice(1).map((r) => r.record.members), [0, 1, 2].map(() => sorted(alice, bob, carol)));
  assert.deepEqual(records.slice(1).map((r) => r.record.accepted.map((a) => a.peer)), [sorted(alice, bob, carol), sorted(alice, bob), sorted(alice, bob, carol)]);
  const [g, r1, r2, r3] = records.map((r) => r.record.time);
  assert.ok(r1! - g! < 30_000 && r3! - r2! < 30_000, 'rounds 1 and 3 close early, when all committed');
  assert.ok(r2! - r1! >= 30_000, 'round 2 closes at its deadline');
  assert.deepEqual(trainers.map((tr) => [tr.held, tr.heard]), trainers.map(() => [coord.model, [1, 2, 3]]));
  assert.equal(selfHeard, 0, 'gossip never reaches its sender');
});

test('memory transport: authenticated sender, size limits, injected failure and latency, abort, closed peers', async () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock, maxResponseBytes: 64 });
  const a = net.connect(alice.peer);
  const b = net.connect(bob.peer, { addrs: ['/memory/bob'] });
  b.handle('blob', async (req, from) => Uint8Array.from([...req, from === alice.peer ? 1 : 0]), { maxRequestBytes: 8 });
  const to = { peer: bob.peer, addrs: [] };
  assert.deepEqual([...await a.request(to, 'blob', Uint8Array.of(7))], [7, 1]);
  const code = (c: string) => (e: unknown): boolean => e instanceof MemoryTransportError && e.code === c;
  await assert.rejects(a.request(to, 'blob', new Uint8Array(9)), code('request-too-large'));
  await assert.rejects(a.request(to, 'blob', new Uint8Array(8), { maxResponseBytes: 8 }), code('response-too-large'));
  await assert.rejects(a.request(to, 'coordinator', Uint8Array.of(1)), code('no-handler'));
  await assert.rejects(a.request({ peer: carol.peer, addrs: [] }, 'blob', Uint8Array.of(1)), code('unreachable'));
  const cut = new Error('cable cut');
  net.setLink(alice.peer, bob.peer, { fail: cut });
  await assert.rejects(a.request(to, 'blob', Uint8Array.of(1)), (e) => e === cut);
  net.setLink(alice.peer, bob.peer, { latencyMs: 50 });
  let done = false;
  const slow = a.request(to, 'blob', Uint8Array.of(2)).then((r) => { done = true; return r; });
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(done, false);
  clock.advance(50);
  assert.deepEqual([...await slow], [2, 1]);
  const abort = new AbortController();
  const aborted = a.request(to, 'blob', Uint8Array.of(3), { signal: abort.signal });
  abort.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  net.setLink(alice.peer, bob.peer, {});
  assert.deepEqual(b.addresses(), ['/memory/bob']);
  await b.close();
  await assert.rejects(a.request(to, 'blob', Uint8Array.of(1)), code('unreachable'));
});

test('fake clock: now() moves only by advance; sleep wakes when advanced past it, or rejects on abort', async () => {
  const clock = new FakeClock(1000);
  const woke: number[] = [];
  const long = clock.sleep(200).then(() => woke.push(200));
  const short = clock.sleep(100).then(() => woke.push(100));
  const abort = new AbortController();
  const cancelled = clock.sleep(50, abort.signal);
  abort.abort(new Error('cancelled'));
  await assert.rejects(cancelled, /cancelled/);
  assert.equal(clock.pending, 2);
  clock.advance(99);
  await Promise.resolve();
  assert.deepEqual([clock.now(), woke], [1099, []]);
  clock.advance(101);
  await Promise.all([long, short]);
  assert.deepEqual([clock.now(), woke, clock.pending], [1200, [100, 200], 0]);
});

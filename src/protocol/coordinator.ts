/**
 * @file The coordinator's round state machine, with no I/O: requests and the time come in,
 * responses and actions go out. src/node runs it against a real transport and clock; tests
 * drive it with an in-memory transport and a fake clock.
 *
 *   waiting --(minPeers members before round 1, one member later)--> warmup --(all members hold the model, or trainSeconds)--> train
 *   train --(every live member committed, or the deadline)--> close   [action: verify and apply]
 *   close --(finishRound(record))--> train (next round) | waiting (no members) | done (last round)
 *
 * Peers join at any time but enter at a round boundary (a joiner waits in `pending` while a
 * round is open). A member silent for evictAfterSeconds is evicted; a round never waits for
 * it: the round closes with the contributions that arrived before the deadline. Every check
 * on a contribution that can fail names its reason (RejectReason).
 */
import { dataAssignment } from './assignment.ts';
import { ProtocolError } from './errors.ts';
import { commitmentHash, verifyCommitment } from './identity.ts';
import { BOUNDS } from './wire.ts';
import type { RunConfig } from './run.ts';
import type { PeerAddress } from './transport.ts';
import type {
  CoordinatorRequest, CoordinatorResponse, Hash, PeerKey, Phase, RejectReason, RunStatus, SignedCommitment, SignedRecord,
} from './types.ts';

interface Member {
  addrs: readonly string[];
  lastSeen: number;
  /** The checkpoint the peer last said it holds. */
  model: Hash | '';
}

/** The coordinator asks its node to close round `round`: fetch, verify and aggregate these contributions. */
export interface CloseAction {
  readonly kind: 'close';
  readonly round: number;
  /** Contributions that arrived in time, in canonical order (by peer key). */
  readonly commits: ReadonlyArray<{ readonly signed: SignedCommitment; readonly from: PeerAddress }>;
  readonly members: readonly PeerKey[];
}

export interface CoordinatorInit {
  readonly run: Hash;
  readonly config: RunConfig;
  /** The latest ledger record (the genesis record for a new run). */
  readonly last: SignedRecord;
  /** The coordinator itself, listed as a provider of every checkpoint it announces. */
  readonly self: PeerAddress;
  /** The exact size of a valid payload (the codec's byteLength for the model). */
  readonly payloadBytes: number;
}

export class RoundCoordinator {
  readonly run: Hash;
  readonly config: RunConfig;
  #self: PeerAddress;
  #payloadBytes: number;
  #phase: Phase = 'waiting';
  #last: SignedRecord;
  #round: number;
  #members = new Map<PeerKey, Member>();
  #pending = new Map<PeerKey, Member>();
  #roundMembers: PeerKey[] = [];
  #commits = new Map<PeerKey, { signed: SignedCommitment; from: PeerAddress }>();
  #deadline = 0;
  #warmupUntil = 0;

  constructor(init: CoordinatorInit) {
    this.run = init.run;
    this.config = init.config;
    this.#self = init.self;
    this.#payloadBytes = init.payloadBytes;
    this.#last = init.last;
    this.#round = init.last.record.round + 1;
    if (this.#round > init.config.rounds) this.#phase = 'done';
  }

  get phase(): Phase { return this.#phase; }
  get round(): number { return this.#round; }
  get model(): Hash { return this.#last.record.model; }
  get last(): SignedRecord { return this.#last; }
  get members(): PeerKey[] { return [...this.#members.keys()].sort(); }
  get pending(): PeerKey[] { return [...this.#pending.keys()].sort(); }

  /**
   * Answer one request from `from` (the key the transport authenticated). Never throws for bad
   * input: a refusal is a Rejection naming its reason, and changes nothing.
   * @example const res = coord.handle({ type: 'heartbeat', run, peer, round: 3, model }, peer, clock.now());
   */
  handle(req: CoordinatorRequest, from: PeerKey, now: number): CoordinatorResponse {
    try {
      if (req.type === 'hello') return this.status(now);
      if (req.run !== this.run) throw new ProtocolError('wrong-run', `request for run ${req.run.slice(0, 12)}, this is ${this.run.slice(0, 12)}`);
      switch (req.type) {
        case 'join': return this.#join(req.peer, req.addrs, from, now);
        case 'heartbeat': return this.#heartbeat(req.peer, req.model, from, now);
        case 'commit': return this.#commit(req.signed, req.addrs, from, now);
        case 'leave': {
          this.#checkSender(req.peer, from);
          this.#members.delete(from);
          this.#pending.delete(from);
          return this.status(now);
        }
      }
    } catch (err) {
      if (err instanceof ProtocolError) return reject(err.reason, err.message);
      throw err;
    }
  }

  /**
   * Advance time: evict silent peers, start warmup or a round, close a round at its deadline.
   * Returns the close action when a round closes (once per round).
   */
  tick(now: number): CloseAction | undefined {
    const cutoff = now - this.config.evictAfterSeconds * 1000;
    for (const map of [this.#members, this.#pending]) for (const [peer, m] of map) if (m.lastSeen < cutoff) map.delete(peer);
    switch (this.#phase) {
      case 'waiting':
        if (this.#members.size >= (this.#round === 1 ? this.config.minPeers : 1)) {
          this.#phase = 'warmup';
          this.#warmupUntil = now + this.config.trainSeconds * 1000;
        }
        return undefined;
      case 'warmup': {
        if (this.#members.size < (this.#round === 1 ? this.config.minPeers : 1)) { this.#phase = 'waiting'; return undefined; }
        const ready = [...this.#members.values()].every((m) => m.model === this.model);
        if (ready || now >= this.#warmupUntil) this.#open(now);
        return undefined;
      }
      case 'train': {
        const live = this.#roundMembers.filter((p) => this.#members.has(p));
        const allIn = live.every((p) => this.#commits.has(p));
        if (!allIn && now < this.#deadline) return undefined;
        this.#phase = 'close';
        const commits = [...this.#commits.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
        return { kind: 'close', round: this.#round, commits, members: this.#roundMembers };
      }
      default:
        return undefined;
    }
  }

  /**
   * The node applied round `record.round` and appended `record` to the ledger: move to the next
   * round, admitting the peers that joined meanwhile.
   */
  finishRound(record: SignedRecord, now: number): void {
    if (this.#phase !== 'close' || record.record.round !== this.#round) {
      throw new ProtocolError('stale-round', `finishRound for round ${record.record.round} while round ${this.#round} is ${this.#phase}`);
    }
    this.#last = record;
    this.#round += 1;
    for (const [peer, m] of this.#pending) this.#members.set(peer, m);
    this.#pending.clear();
    this.#commits.clear();
    if (this.#round > this.config.rounds) this.#phase = 'done';
    // minPeers gates the first round only (Psyche's init_min_clients): once a run is going, a
    // peer that leaves must not stall everyone else, so later rounds need one member.
    else if (this.#members.size >= 1) this.#open(now);
    else this.#phase = 'waiting';
  }

  /** Whether every member has reported holding `model` in a heartbeat. */
  allHold(model: Hash): boolean {
    return [...this.#members.values()].every((m) => m.model === model);
  }

  /** The run's state as every response carries it. */
  status(now: number): RunStatus {
    void now;
    const providers: PeerAddress[] = [this.#self];
    for (const [peer, m] of this.#members) {
      if (providers.length >= BOUNDS.providers) break;
      if (m.model === this.model && m.addrs.length > 0) providers.push({ peer, addrs: m.addrs });
    }
    return {
      type: 'status', run: this.run, phase: this.#phase, round: this.#round,
      members: this.#phase === 'train' || this.#phase === 'close' ? this.#roundMembers : this.members,
      model: this.model, deadline: this.#phase === 'train' ? this.#deadline : 0, providers, last: this.#last,
    };
  }

  #open(now: number): void {
    this.#phase = 'train';
    this.#roundMembers = this.members;
    this.#commits.clear();
    this.#deadline = now + this.config.trainSeconds * 1000;
  }

  #checkSender(claimed: PeerKey, from: PeerKey): void {
    if (claimed !== from) throw new ProtocolError('bad-signature', `message claims peer ${claimed.slice(0, 12)} but came from ${from.slice(0, 12)}`);
  }

  #join(peer: PeerKey, addrs: readonly string[], from: PeerKey, now: number): RunStatus {
    this.#checkSender(peer, from);
    const known = this.#members.get(peer) ?? this.#pending.get(peer);
    if (known !== undefined) {
      known.addrs = addrs;
      known.lastSeen = now;
      return this.status(now);
    }
    if (this.#members.size + this.#pending.size >= this.config.maxPeers) throw new ProtocolError('unknown-peer', `run is full (${this.config.maxPeers} peers)`);
    const m: Member = { addrs, lastSeen: now, model: '' };
    // Before the first round opens anyone may enter at once; afterwards only at a boundary.
    if (this.#phase === 'waiting' || this.#phase === 'warmup') this.#members.set(peer, m);
    else this.#pending.set(peer, m);
    return this.status(now);
  }

  #heartbeat(peer: PeerKey, model: Hash | '', from: PeerKey, now: number): RunStatus {
    this.#checkSender(peer, from);
    const m = this.#members.get(peer) ?? this.#pending.get(peer);
    if (m === undefined) throw new ProtocolError('unknown-peer', `peer ${peer.slice(0, 12)} has not joined (or was evicted): join again`);
    m.lastSeen = now;
    m.model = model;
    return this.status(now);
  }

  #commit(signed: SignedCommitment, addrs: readonly string[], from: PeerKey, now: number): RunStatus {
    const c = signed.commitment;
    this.#checkSender(c.peer, from);
    verifyCommitment(signed);
    if (c.run !== this.run) throw new ProtocolError('wrong-run', 'commitment for another run');
    if (this.#phase !== 'train' || c.round !== this.#round) throw new ProtocolError('stale-round', `commitment for round ${c.round}; round ${this.#round} is ${this.#phase}`);
    if (!this.#roundMembers.includes(c.peer)) throw new ProtocolError('unknown-peer', `peer ${c.peer.slice(0, 12)} is not a member of round ${this.#round}`);
    if (now > this.#deadline) throw new ProtocolError('late', `round ${this.#round} closed for contributions ${now - this.#deadline} ms ago`);
    if (c.baseModel !== this.model) throw new ProtocolError('hash-mismatch', `trained from ${c.baseModel.slice(0, 12)}, round starts from ${this.model.slice(0, 12)}`);
    const expected = dataAssignment(this.run, c.round, c.peer, this.config.H);
    if (c.assignment.stream !== expected.stream || c.assignment.firstStep !== expected.firstStep || c.assignment.steps !== expected.steps) {
      throw new ProtocolError('malformed', 'data assignment differs from the one for (run, round, peer)');
    }
    if (c.payloadBytes !== this.#payloadBytes) throw new ProtocolError('malformed', `payload of ${c.payloadBytes} bytes, the codec makes ${this.#payloadBytes}`);
    const earlier = this.#commits.get(c.peer);
    // A resend of the same signed commitment is idempotent; anything else (even the same payload
    // with another stepsRoot or loss) would change what the ledger records, so it is refused.
    if (earlier !== undefined && commitmentHash(earlier.signed) !== commitmentHash(signed)) throw new ProtocolError('stale-round', 'a different contribution for this round was already committed');
    if (earlier === undefined) this.#commits.set(c.peer, { signed, from: { peer: from, addrs } });
    const m = this.#members.get(c.peer);
    if (m !== undefined) m.lastSeen = now;
    return this.status(now);
  }
}

function reject(reason: RejectReason, message: string): CoordinatorResponse {
  return { type: 'reject', reason, message };
}

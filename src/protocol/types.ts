/**
 * @file The run protocol's data: every message, record and commitment as plain TypeScript
 * types. Wire encoding (canonical CBOR, strict decoding, size limits) lives in wire.ts;
 * what each one means and when it is sent is in docs/protocol.md.
 *
 * Identifiers:
 * - a peer is its ed25519 public key, as 64 lowercase hex characters (`PeerKey`); canonical
 *   order of peers is the string order of these keys (= the byte order of the keys);
 * - a run, a blob (checkpoint, contribution payload) and a record are SHA-256 digests, as
 *   64 lowercase hex characters (`Hash`).
 */

/** 64 lowercase hex characters: an ed25519 public key. */
export type PeerKey = string;
/** 64 lowercase hex characters: a SHA-256 digest. */
export type Hash = string;

export const PROTOCOL_VERSION = 1;

/** Why a message, blob or contribution was refused. Every refusal names one. */
export type RejectReason =
  | 'malformed' // not valid canonical CBOR, a missing or extra field, a field of the wrong type
  | 'oversized' // larger than the limit for its kind
  | 'bad-signature' // the signature does not verify under the claimed key
  | 'wrong-run' // for another run id
  | 'stale-round' // for a round that is not the one open (or already closed)
  | 'unknown-peer' // from a peer that is not a member of the round
  | 'hash-mismatch' // the bytes do not hash to the claimed digest
  | 'non-finite' // a decoded payload holds NaN or Inf
  | 'late'; // arrived after the round's deadline

/** The data a trainer trains on in one round, a pure function of (run, round, peer). */
export interface DataAssignment {
  /** The `worker` stream of sampleBatch: batches are sampleBatch(train, { seed, step: round * H + h, worker: stream }). */
  readonly stream: number;
  /** Inner steps [firstStep, firstStep + H). */
  readonly firstStep: number;
  readonly steps: number;
}

/**
 * What a trainer commits to for one round; signed by the trainer. The payload (its encoded
 * pseudo-gradient) is a blob addressed by `payloadHash`.
 */
export interface Commitment {
  readonly run: Hash;
  readonly round: number;
  readonly peer: PeerKey;
  /** The checkpoint blob the round started from. */
  readonly baseModel: Hash;
  readonly assignment: DataAssignment;
  readonly payloadHash: Hash;
  readonly payloadBytes: number;
  /** Merkle root over the SHA-256 of the parameters after each inner step (replay evidence). */
  readonly stepsRoot: Hash;
  /** Mean training loss over the inner steps (informational, not trusted). */
  readonly loss: number;
}

export interface SignedCommitment {
  readonly commitment: Commitment;
  /** ed25519 signature (64 bytes) over the canonical encoding of `commitment`. */
  readonly signature: Uint8Array;
}

/** The coordinator's phases (docs/protocol.md has the state machine). */
export type Phase = 'waiting' | 'warmup' | 'train' | 'close' | 'done';

/** One accepted contribution, as recorded in the ledger. */
export interface Accepted {
  readonly peer: PeerKey;
  readonly payloadHash: Hash;
  /** SHA-256 of the canonical encoding of the signed commitment. */
  readonly commitmentHash: Hash;
}

/** One ledger record: a closed round. Records are hash-chained and signed by the coordinator. */
export interface RoundRecord {
  readonly run: Hash;
  /** 0 for the genesis record (the initial checkpoint), then one per closed round. */
  readonly index: number;
  /** Hash of the previous record's encoded bytes ('' for the genesis record). */
  readonly prev: Hash | '';
  readonly round: number;
  readonly members: readonly PeerKey[];
  readonly accepted: readonly Accepted[];
  /** The checkpoint blob after this round's outer step. */
  readonly model: Hash;
  /** Unix milliseconds when the record was written (informational). */
  readonly time: number;
}

export interface SignedRecord {
  readonly record: RoundRecord;
  readonly signer: PeerKey;
  readonly signature: Uint8Array;
}

/** Requests a trainer sends to the coordinator. */
export type CoordinatorRequest =
  /** Ask for the run's status without joining: how a peer that knows only an address learns the run id. */
  | { readonly type: 'hello' }
  | { readonly type: 'join'; readonly run: Hash; readonly peer: PeerKey; readonly addrs: readonly string[] }
  | { readonly type: 'heartbeat'; readonly run: Hash; readonly peer: PeerKey; readonly round: number; readonly model: Hash | '' }
  | { readonly type: 'commit'; readonly run: Hash; readonly signed: SignedCommitment; readonly addrs: readonly string[] }
  | { readonly type: 'leave'; readonly run: Hash; readonly peer: PeerKey };

/** What the coordinator tells a trainer: the run's current state (answer to every request). */
export interface RunStatus {
  readonly type: 'status';
  readonly run: Hash;
  readonly phase: Phase;
  /** The round open (train) or last opened. */
  readonly round: number;
  /** Members of the open round, in canonical order. */
  readonly members: readonly PeerKey[];
  /** The checkpoint the open round starts from. */
  readonly model: Hash;
  /** Unix ms when the open round's training deadline passes (0 when none is open). */
  readonly deadline: number;
  /** Peers (with multiaddrs) known to hold `model`, to fetch it from. */
  readonly providers: ReadonlyArray<{ readonly peer: PeerKey; readonly addrs: readonly string[] }>;
  /** The latest ledger record (the coordinator-signed result of the last closed round). */
  readonly last: SignedRecord;
}

export interface Rejection {
  readonly type: 'reject';
  readonly reason: RejectReason;
  readonly message: string;
}

export type CoordinatorResponse = RunStatus | Rejection;

/** Requests for content-addressed blobs (checkpoints, payloads), served by any peer that has them. */
export interface BlobRequest {
  readonly type: 'blob';
  readonly hash: Hash;
}

/** Gossip announcements (small, unreliable: everything they say can also be polled). */
export type Announcement =
  | { readonly type: 'round-open'; readonly run: Hash; readonly round: number; readonly model: Hash; readonly deadline: number; readonly members: readonly PeerKey[] }
  | { readonly type: 'round-closed'; readonly last: SignedRecord }
  | { readonly type: 'model'; readonly run: Hash; readonly round: number; readonly peer: PeerKey; readonly model: Hash };

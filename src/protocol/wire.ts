/**
 * @file Canonical CBOR for every protocol message, with strict decoders (docs/protocol.md,
 * "Wire format").
 *
 * Encoding: each message is one CBOR map holding exactly its type's fields plus
 * `v: PROTOCOL_VERSION` at the top level (nested objects carry no `v`), encoded by cborg's
 * default deterministic encoder (map keys sorted length-first then bytewise, which for our
 * short keys is also RFC 8949's bytewise order; shortest integer and float forms; definite
 * lengths). Hashes and keys are 64-character lowercase hex strings, signatures byte strings.
 *
 * Decoding: size limit first ('oversized'), then cborg in strict mode, then the schema
 * (exact keys, types, bounds), then the checked value is re-encoded and must equal the input
 * byte for byte; so every accepted message has exactly one encoding, and hashes of messages
 * (commitment hashes, record hashes) cannot be varied by re-encoding. Any failure is a
 * ProtocolError; nothing else escapes a decoder.
 */
import { decode, encode } from 'cborg';
import { ProtocolError } from './errors.ts';
import {
  bytes, fail, finite, hashOrEmpty, hex64, isPlainObject, list, oneOf, refine, sortedList, struct, tagged,
  text, uint, type Schema,
} from './schema.ts';
import {
  PROTOCOL_VERSION, type Accepted, type Announcement, type BlobRequest, type Commitment, type CoordinatorRequest,
  type CoordinatorResponse, type DataAssignment, type Phase, type RejectReason, type Rejection, type RoundRecord,
  type RunStatus, type SignedCommitment, type SignedRecord,
} from './types.ts';

/**
 * Largest encoded size, in bytes, accepted for each kind of message (checked before decoding).
 * @example transport.handle('coordinator', handler, { maxRequestBytes: LIMITS.request });
 */
export const LIMITS = {
  /** A signed commitment (about 700 bytes). */
  commitment: 4 * 1024,
  /** A signed ledger record: with 1024 members and 1024 accepted contributions it is about 310 KB. */
  record: 384 * 1024,
  request: 64 * 1024,
  /** A status holds a full record plus the round's members and providers (about 450 KB at most). */
  response: 512 * 1024,
  blobRequest: 1024,
  /** A 'round-closed' announcement carries a full signed record. */
  announcement: 384 * 1024,
  runConfig: 4 * 1024,
} as const;

/**
 * Bounds on variable-length fields (so every message kind has a largest valid size).
 * @example providers.slice(0, BOUNDS.providers)
 */
export const BOUNDS = {
  members: 1024,
  accepted: 1024,
  addrs: 16,
  addrLength: 256,
  providers: 16,
  rejectionMessage: 1024,
} as const;

// Records force every RejectReason / Phase to be listed: adding one to types.ts without adding it
// here fails to compile.
const REASONS: Record<RejectReason, true> = {
  'malformed': true, 'oversized': true, 'bad-signature': true, 'wrong-run': true, 'stale-round': true,
  'unknown-peer': true, 'hash-mismatch': true, 'non-finite': true, 'late': true,
};
const PHASES: Record<Phase, true> = { waiting: true, warmup: true, train: true, close: true, done: true };

const addrs = list(text(BOUNDS.addrLength), BOUNDS.addrs);
const members = sortedList(hex64, BOUNDS.members, (k) => k);

const assignmentSchema = struct<DataAssignment>({ stream: uint(0, 0x7fffffff), firstStep: uint(), steps: uint() });

const commitmentSchema = struct<Commitment>({
  run: hex64, round: uint(), peer: hex64, baseModel: hex64, assignment: assignmentSchema,
  payloadHash: hex64, payloadBytes: uint(), stepsRoot: hex64, loss: finite(),
});

const signedCommitmentSchema = struct<SignedCommitment>({ commitment: commitmentSchema, signature: bytes(64) });

const acceptedSchema = struct<Accepted>({ peer: hex64, payloadHash: hex64, commitmentHash: hex64 });

const recordSchema = refine(struct<RoundRecord>({
  run: hex64, index: uint(), prev: hashOrEmpty, round: uint(), members,
  accepted: sortedList(acceptedSchema, BOUNDS.accepted, (a) => a.peer), model: hex64, time: uint(),
}), (r) => (r.index === 0) === (r.prev === ''), "prev must be '' exactly when index is 0");

const signedRecordSchema = struct<SignedRecord>({ record: recordSchema, signer: hex64, signature: bytes(64) });

const requestSchema = tagged<CoordinatorRequest>({
  hello: struct({ type: oneOf(['hello']) }),
  join: struct({ type: oneOf(['join']), run: hex64, peer: hex64, addrs }),
  heartbeat: struct({ type: oneOf(['heartbeat']), run: hex64, peer: hex64, round: uint(), model: hashOrEmpty }),
  commit: struct({ type: oneOf(['commit']), run: hex64, signed: signedCommitmentSchema, addrs }),
  leave: struct({ type: oneOf(['leave']), run: hex64, peer: hex64 }),
});

const statusSchema = struct<RunStatus>({
  type: oneOf(['status']), run: hex64, phase: oneOf(Object.keys(PHASES) as Phase[]), round: uint(), members,
  model: hex64, deadline: uint(), providers: list(struct({ peer: hex64, addrs }), BOUNDS.providers), last: signedRecordSchema,
});

const rejectionSchema = struct<Rejection>({
  type: oneOf(['reject']), reason: oneOf(Object.keys(REASONS) as RejectReason[]), message: text(BOUNDS.rejectionMessage),
});

const responseSchema = tagged<CoordinatorResponse>({ status: statusSchema, reject: rejectionSchema });

const blobRequestSchema = struct<BlobRequest>({ type: oneOf(['blob']), hash: hex64 });

const announcementSchema = tagged<Announcement>({
  'round-open': struct({ type: oneOf(['round-open']), run: hex64, round: uint(), model: hex64, deadline: uint(), members }),
  'round-closed': struct({ type: oneOf(['round-closed']), last: signedRecordSchema }),
  'model': struct({ type: oneOf(['model']), run: hex64, round: uint(), peer: hex64, model: hex64 }),
});

/** cborg's strict decoding: minimal integers, no indefinite lengths, no undefined/NaN/Inf/bigints, no duplicate keys. */
const DECODE_OPTIONS = {
  strict: true, allowIndefinite: false, allowUndefined: false, allowNaN: false, allowInfinity: false,
  allowBigInt: false, rejectDuplicateMapKeys: true, useMaps: false,
} as const;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Validates `value` against `schema` (extra properties dropped), adds `v` and encodes; refuses
 * to produce anything the receiving decoder would refuse.
 * @example encodeMessage(schema, value, 'BlobRequest', LIMITS.blobRequest)
 */
export function encodeMessage<T extends object>(schema: Schema<T>, value: T, name: string, limit: number): Uint8Array {
  return withLimit(encode(withVersion(schema(value, name, false))), name, limit);
}

/**
 * Size check, strict CBOR decode, exact schema, canonical re-encoding check. Throws only ProtocolError.
 * @example decodeMessage(schema, bytes, 'BlobRequest', LIMITS.blobRequest)
 */
export function decodeMessage<T extends object>(schema: Schema<T>, input: Uint8Array, name: string, limit: number): T {
  return decodeCanonical(input, name, limit, (raw) => schema(withoutVersion(raw, name), name, true), (value) => encode(withVersion(value)));
}

/**
 * The decoding pipeline for any canonical CBOR structure: `check` turns the strictly decoded
 * value into a checked T, `reencode` must give back exactly `input`. Throws only ProtocolError.
 * @example decodeCanonical(bytes, 'RunManifest', LIMITS.runConfig, checkManifest, encodeManifestValue)
 */
export function decodeCanonical<T>(input: Uint8Array, name: string, limit: number, check: (raw: unknown) => T, reencode: (value: T) => Uint8Array): T {
  try {
    if (!(input instanceof Uint8Array)) fail(name, 'expected bytes');
    if (input.length > limit) throw new ProtocolError('oversized', `${name} of ${input.length} bytes, limit ${limit}`);
    let raw: unknown;
    try {
      raw = decode(input, DECODE_OPTIONS);
    } catch (e) {
      fail(name, `not strict CBOR (${e instanceof Error ? e.message : String(e)})`);
    }
    const value = check(raw);
    if (!equalBytes(reencode(value), input)) fail(name, 'not in canonical encoding');
    return value;
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    // A stack overflow on deeply nested input, or anything unforeseen: still a refusal, never a crash.
    throw new ProtocolError('malformed', `${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A checked message object with `v` added, ready for cborg's encode.
 * @example encode(withVersion(config))
 */
export function withVersion<T extends object>(value: T): T & { v: number } {
  return Object.assign({}, value, { v: PROTOCOL_VERSION });
}

/**
 * Checks that a decoded message map carries `v: PROTOCOL_VERSION` and returns its other entries.
 * @example schema(withoutVersion(raw, 'RunConfig'), 'RunConfig', true)
 */
export function withoutVersion(raw: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(raw)) return fail(name, 'expected a map');
  if (!Object.hasOwn(raw, 'v')) fail(`${name}.v`, 'missing field');
  if (raw['v'] !== PROTOCOL_VERSION) fail(`${name}.v`, `expected protocol version ${PROTOCOL_VERSION}`);
  const rest: Record<string, unknown> = {};
  // defineProperty, not assignment: a key named __proto__ must stay an own (and so rejected) field.
  for (const k of Object.keys(raw)) {
    if (k !== 'v') Object.defineProperty(rest, k, { value: raw[k], enumerable: true, writable: true, configurable: true });
  }
  return rest;
}

/**
 * Throws ProtocolError('oversized') when an encoding exceeds its kind's limit; else returns the bytes as a plain Uint8Array.
 * @example withLimit(encode(x), 'RunManifest', LIMITS.runConfig)
 */
export function withLimit(bytes: Uint8Array, name: string, limit: number): Uint8Array {
  if (bytes.length > limit) throw new ProtocolError('oversized', `${name} encodes to ${bytes.length} bytes, limit ${limit}`);
  // A plain, exact copy: in Node cborg returns a Buffer that may be a view of a larger chunk,
  // which surprises callers who use `.buffer` or Buffer's view-returning `slice`.
  return new Uint8Array(bytes);
}

/**
 * The bytes a trainer signs: the commitment alone, as a top-level message.
 * @example const sig = sign(identity, encodeCommitment(commitment));
 */
export const encodeCommitment = (c: Commitment): Uint8Array => encodeMessage(commitmentSchema, c, 'Commitment', LIMITS.commitment);
/** @example decodeCommitment(encodeCommitment(c)) // deep-equals c */
export const decodeCommitment = (b: Uint8Array): Commitment => decodeMessage(commitmentSchema, b, 'Commitment', LIMITS.commitment);

/** @example commitmentHash = sha256Hex(encodeSignedCommitment(signed)) */
export const encodeSignedCommitment = (s: SignedCommitment): Uint8Array =>
  encodeMessage(signedCommitmentSchema, s, 'SignedCommitment', LIMITS.commitment);
/** @example const signed = decodeSignedCommitment(bytes); verifyCommitment(signed); */
export const decodeSignedCommitment = (b: Uint8Array): SignedCommitment =>
  decodeMessage(signedCommitmentSchema, b, 'SignedCommitment', LIMITS.commitment);

/**
 * The bytes the coordinator signs: the record alone, as a top-level message.
 * @example const sig = sign(coordinator, encodeRecord(record));
 */
export const encodeRecord = (r: RoundRecord): Uint8Array => encodeMessage(recordSchema, r, 'RoundRecord', LIMITS.record);
/** @example decodeRecord(encodeRecord(r)) // deep-equals r */
export const decodeRecord = (b: Uint8Array): RoundRecord => decodeMessage(recordSchema, b, 'RoundRecord', LIMITS.record);

/** A ledger frame's body; its SHA-256 is the record hash the next record's `prev` names. @example encodeSignedRecord(signed) */
export const encodeSignedRecord = (s: SignedRecord): Uint8Array => encodeMessage(signedRecordSchema, s, 'SignedRecord', LIMITS.record);
/** @example const signed = decodeSignedRecord(frameBody); verifyRecord(signed, coordinatorKey); */
export const decodeSignedRecord = (b: Uint8Array): SignedRecord => decodeMessage(signedRecordSchema, b, 'SignedRecord', LIMITS.record);

/** @example transport.request(coord, 'coordinator', encodeRequest({ type: 'leave', run, peer })) */
export const encodeRequest = (r: CoordinatorRequest): Uint8Array => encodeMessage(requestSchema, r, 'CoordinatorRequest', LIMITS.request);
/** @example const req = decodeRequest(body); if (req.type === 'commit') verifyCommitment(req.signed); */
export const decodeRequest = (b: Uint8Array): CoordinatorRequest => decodeMessage(requestSchema, b, 'CoordinatorRequest', LIMITS.request);

/** @example return encodeResponse(rejectionOf(error)); */
export const encodeResponse = (r: CoordinatorResponse): Uint8Array => encodeMessage(responseSchema, r, 'CoordinatorResponse', LIMITS.response);
/** @example const res = decodeResponse(await transport.request(coord, 'coordinator', req, { maxResponseBytes: LIMITS.response })); */
export const decodeResponse = (b: Uint8Array): CoordinatorResponse => decodeMessage(responseSchema, b, 'CoordinatorResponse', LIMITS.response);

/** @example encodeBlobRequest({ type: 'blob', hash }) */
export const encodeBlobRequest = (r: BlobRequest): Uint8Array => encodeMessage(blobRequestSchema, r, 'BlobRequest', LIMITS.blobRequest);
/** @example const { hash } = decodeBlobRequest(body); */
export const decodeBlobRequest = (b: Uint8Array): BlobRequest => decodeMessage(blobRequestSchema, b, 'BlobRequest', LIMITS.blobRequest);

/** @example transport.publish(topic, encodeAnnouncement({ type: 'model', run, round, peer, model })) */
export const encodeAnnouncement = (a: Announcement): Uint8Array => encodeMessage(announcementSchema, a, 'Announcement', LIMITS.announcement);
/** @example subscribe(topic, (body) => { try { onAnnouncement(decodeAnnouncement(body)); } catch { drop } }) */
export const decodeAnnouncement = (b: Uint8Array): Announcement => decodeMessage(announcementSchema, b, 'Announcement', LIMITS.announcement);

/**
 * The rejection to answer with for an error: its reason and message (cut to the wire bound).
 * Non-protocol errors become 'malformed' without leaking their message.
 * @example catch (e) { return encodeResponse(rejectionOf(e)); }
 */
export function rejectionOf(error: unknown): Rejection {
  if (!(error instanceof ProtocolError)) return { type: 'reject', reason: 'malformed', message: 'request could not be processed' };
  return { type: 'reject', reason: error.reason, message: error.message.slice(0, BOUNDS.rejectionMessage) };
}

/**
 * @file The ledger file format, as pure functions over bytes (the node layer does the file I/O).
 *
 * A ledger is a sequence of frames, each `u32 little-endian length || encodeSignedRecord bytes`.
 * Record i has index i, names the SHA-256 of frame i-1's record bytes in `prev` ('' for the
 * genesis record 0), carries the run id, and is signed by the coordinator. The genesis record
 * holds the initial model (round 0, no contributions); each later record closes one round,
 * with round numbers strictly increasing (rounds that closed with no record may be skipped).
 *
 * Appends are not atomic: a crash mid-append leaves a torn final frame (fewer bytes than its
 * length prefix says). That, and only that, is recoverable: parseLedger reports it so the caller
 * truncates the file to `validBytes`. Any other damage is an error: a coordinator must not
 * continue from a history it cannot prove.
 */
import { decodeFirst } from 'cborg';
import { ProtocolError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { verifyRecord } from './identity.ts';
import type { Accepted, Hash, PeerKey, RoundRecord, SignedRecord } from './types.ts';
import { decodeSignedRecord, encodeSignedRecord, LIMITS } from './wire.ts';

/**
 * One ledger frame: u32 LE byte length, then the signed record's canonical encoding.
 * @example appendFileSync(path, frameRecord(signed));
 */
export function frameRecord(signed: SignedRecord): Uint8Array {
  const body = encodeSignedRecord(signed);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, true);
  frame.set(body, 4);
  return frame;
}

/**
 * The hash the next record's `prev` must name: SHA-256 of the signed record's encoding.
 * @example nextRecord(last, fields).prev === recordHash(last) // true
 */
export function recordHash(signed: SignedRecord): Hash {
  return sha256Hex(encodeSignedRecord(signed));
}

/**
 * The first record of a run: index 0, round 0, the initial model, no contributions.
 * @example ledger.append(signRecord(coordinator, genesisRecord(runId, initialModel, [], Date.now())));
 */
export function genesisRecord(run: Hash, model: Hash, members: readonly PeerKey[] = [], time = 0): RoundRecord {
  return { run, index: 0, prev: '', round: 0, members: [...members], accepted: [], model, time };
}

/**
 * What a closed round adds to the ledger (the rest of the record follows from the chain).
 * @example const fields: RoundFields = { round: 3, members, accepted, model, time: clock.now() };
 */
export interface RoundFields {
  readonly round: number;
  /** The round's members, in canonical (sorted) order. */
  readonly members: readonly PeerKey[];
  /** The accepted contributions, sorted by peer: the order they were averaged in. */
  readonly accepted: readonly Accepted[];
  readonly model: Hash;
  readonly time: number;
}

/**
 * The record that follows `prev`: same run, index + 1, prev = recordHash(prev). Throws
 * ProtocolError('stale-round') if `fields.round` does not come after prev's round (genesis aside).
 * @example const record = nextRecord(ledger.last, { round, members, accepted, model, time: clock.now() });
 */
export function nextRecord(prev: SignedRecord, fields: RoundFields): RoundRecord {
  if (prev.record.index > 0 && !(fields.round > prev.record.round)) {
    throw new ProtocolError('stale-round', `round ${fields.round} does not follow round ${prev.record.round}`);
  }
  return {
    run: prev.record.run, index: prev.record.index + 1, prev: recordHash(prev), round: fields.round,
    members: [...fields.members], accepted: [...fields.accepted], model: fields.model, time: fields.time,
  };
}

/**
 * A parsed ledger: its records, and where the valid prefix of the bytes ends.
 * @example const { records, torn, validBytes } = parseLedger(bytes, { run, signer });
 */
export interface ParsedLedger {
  readonly records: SignedRecord[];
  /** Bytes of whole, verified frames (the file length to truncate to when `torn`). */
  readonly validBytes: number;
  /** The final frame was cut short (a crash mid-append). */
  readonly torn: boolean;
}

/**
 * Whether the bytes after a length prefix that runs past the end of the file are a genuinely
 * torn frame. CBOR is prefix-free, so a true prefix of one record never decodes as a complete
 * item; if the available bytes do hold a complete item shorter than the prefix claims, the
 * length prefix itself is damaged, and truncating there would silently drop verified history.
 */
function isTornBody(available: Uint8Array, declared: number): boolean {
  try {
    const [, rest] = decodeFirst(available, { allowBigInt: false });
    return available.length - rest.length >= declared;
  } catch {
    return true;
  }
}

/**
 * Parses and verifies a whole ledger: every frame decodes strictly, is signed by `signer`, is
 * for `run`, and chains (index 0, 1, 2, ...; prev = recordHash of the previous record; genesis
 * round 0 with nothing accepted; later rounds strictly increasing). A torn final frame gives
 * `torn: true`; other damage throws ProtocolError: 'malformed' (a bad frame or chain field),
 * 'bad-signature', 'wrong-run', or 'hash-mismatch' (a prev link that does not match).
 * @example const { records, validBytes, torn } = parseLedger(readFileSync(path), { run, signer: coordinatorKey });
 */
export function parseLedger(bytes: Uint8Array, expect: { readonly run: Hash; readonly signer: PeerKey }): ParsedLedger {
  const records: SignedRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let prevHash: Hash | '' = '';
  while (offset < bytes.length) {
    const i = records.length;
    if (bytes.length - offset < 4) return { records, validBytes: offset, torn: true };
    const length = view.getUint32(offset, true);
    if (length === 0 || length > LIMITS.record) throw new ProtocolError('malformed', `ledger frame ${i} at byte ${offset}: length ${length} out of range`);
    const body = bytes.subarray(offset + 4, offset + 4 + length);
    if (body.length < length) {
      if (isTornBody(body, length)) return { records, validBytes: offset, torn: true };
      throw new ProtocolError('malformed', `ledger frame ${i} at byte ${offset}: length prefix ${length} is damaged`);
    }
    const signed = decodeSignedRecord(body);
    const r = signed.record;
    // Signature first: nothing an unsigned record claims (its run, its links) is worth reporting.
    verifyRecord(signed, expect.signer);
    if (r.run !== expect.run) throw new ProtocolError('wrong-run', `ledger record ${i} is for run ${r.run.slice(0, 12)}, expected ${expect.run.slice(0, 12)}`);
    if (r.prev !== prevHash) throw new ProtocolError('hash-mismatch', `ledger record ${i}: prev does not match the hash of record ${i - 1}`);
    if (r.index !== i) throw new ProtocolError('malformed', `ledger record at position ${i} has index ${r.index}`);
    if (i === 0 && (r.round !== 0 || r.accepted.length > 0)) throw new ProtocolError('malformed', 'genesis record must have round 0 and no accepted contributions');
    const last = records[i - 1];
    if (i >= 2 && last !== undefined && !(r.round > last.record.round)) {
      throw new ProtocolError('malformed', `ledger record ${i}: round ${r.round} does not follow round ${last.record.round}`);
    }
    // The frame body is canonical (decodeSignedRecord checked), so its hash is the record hash.
    prevHash = sha256Hex(body);
    records.push(signed);
    offset += 4 + length;
  }
  return { records, validBytes: offset, torn: false };
}

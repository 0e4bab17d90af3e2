/**
 * Wire format: round trips of every message kind, canonical bytes (checked against hand-built
 * CBOR), refusal of non-canonical encodings, size limits, and that the largest valid messages
 * fit within their limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as cborEncode, decode as cborDecode } from 'cborg';
import {
  BOUNDS, decodeAnnouncement, decodeBlobRequest, decodeCommitment, decodeRequest, decodeResponse, decodeSignedRecord,
  encodeAnnouncement, encodeBlobRequest, encodeCommitment, encodeRequest, encodeResponse, encodeSignedRecord, LIMITS,
  PROTOCOL_VERSION, ProtocolError, rejectionOf, signRecord, type Accepted, type CoordinatorResponse, type RoundRecord,
} from '../../src/protocol/index.ts';
import { commitment, coordinator, h, kinds, RUN } from './fixtures.ts';

function rejects(fn: () => unknown, reason: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.reason === reason && (pattern === undefined || pattern.test(e.message)));
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const concat = (...parts: Array<ArrayLike<number>>): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

test('every kind round-trips, re-encodes to the same bytes, and carries v at the top level', () => {
  for (const kind of kinds()) {
    for (const example of kind.examples) {
      const bytes = kind.encode(example as never);
      const back = kind.decode(bytes);
      assert.deepEqual(back, example, kind.name);
      assert.deepEqual(kind.encode(back as never), bytes, kind.name);
      const raw = cborDecode(bytes) as Record<string, unknown>;
      assert.equal(raw['v'], PROTOCOL_VERSION, kind.name);
      assert.ok(bytes.length <= kind.limit);
    }
  }
});

test('encoders drop properties outside the type (structural typing lets them through)', () => {
  for (const kind of kinds()) {
    const example = kind.examples[0] as object;
    assert.deepEqual(kind.encode({ ...example, extra: 1 } as never), kind.encode(example as never), kind.name);
  }
});

test('a blob request is exactly the hand-built canonical CBOR map', () => {
  const hash = h('blob');
  // map(3); keys sorted by length then bytewise: "v", "hash", "type"; text(64) has a 1-byte length.
  const expected = concat([0xa3, 0x61], ascii('v'), [0x01], [0x64], ascii('hash'), [0x78, 0x40], ascii(hash), [0x64], ascii('type'), [0x64], ascii('blob'));
  assert.deepEqual(encodeBlobRequest({ type: 'blob', hash }), expected);
  assert.deepEqual(decodeBlobRequest(expected), { type: 'blob', hash });
});

test('non-canonical encodings of valid content are refused', () => {
  for (const kind of kinds()) {
    const bytes = kind.encode(kind.examples[0] as never);
    const raw = cborDecode(bytes) as Record<string, unknown>;
    // Keys in reverse canonical order (a sorter returning 0 keeps insertion order).
    const reversed = Object.fromEntries(Object.entries(raw).reverse());
    rejects(() => kind.decode(cborEncode(reversed, { mapSorter: () => 0 })), 'malformed', /canonical/);
    // Trailing byte.
    rejects(() => kind.decode(concat(bytes, [0x00])), 'malformed');
    // Map header with a non-minimal length (0xb8 n instead of 0xa0 + n).
    rejects(() => kind.decode(concat([0xb8, bytes[0]! - 0xa0], bytes.subarray(1))), 'malformed');
    // Indefinite-length map.
    rejects(() => kind.decode(concat([0xbf], bytes.subarray(1), [0xff])), 'malformed');
    // Wrapped in a tag.
    rejects(() => kind.decode(concat([0xd8, 0x18], bytes)), 'malformed');
  }
});

test('non-minimal integers, floats for integers and wide floats are refused', () => {
  const bytes = encodeCommitment(commitment(undefined, 4));
  const key = concat([0x65], ascii('round'));
  const at = Buffer.from(bytes).indexOf(Buffer.from(key)) + key.length;
  assert.equal(bytes[at], 0x04);
  const splice = (insert: number[]): Uint8Array => concat(bytes.subarray(0, at), insert, bytes.subarray(at + 1));
  rejects(() => decodeCommitment(splice([0x18, 0x04])), 'malformed'); // uint8 form of 4
  rejects(() => decodeCommitment(splice([0x19, 0x00, 0x04])), 'malformed'); // uint16 form of 4
  rejects(() => decodeCommitment(splice([0xf9, 0x44, 0x00])), 'malformed'); // half-float 4.0
  rejects(() => decodeCommitment(splice([0x24])), 'malformed'); // -5
  // loss 3.25 fits a half float (0xf9 0x42 0x80); as a float64 it is not canonical.
  const lossKey = Buffer.from(concat([0x64], ascii('loss')));
  const l = Buffer.from(bytes).indexOf(lossKey) + lossKey.length;
  assert.deepEqual([...bytes.subarray(l, l + 3)], [0xf9, 0x42, 0x80]);
  const wide = new Uint8Array(9);
  wide[0] = 0xfb;
  new DataView(wide.buffer).setFloat64(1, 3.25);
  rejects(() => decodeCommitment(concat(bytes.subarray(0, l), wide, bytes.subarray(l + 3))), 'malformed');
  // NaN and Infinity for loss.
  for (const special of [[0xf9, 0x7e, 0x00], [0xf9, 0x7c, 0x00]]) {
    rejects(() => decodeCommitment(concat(bytes.subarray(0, l), special, bytes.subarray(l + 3))), 'malformed');
  }
});

test('duplicate map keys are refused', () => {
  const hash = h('blob');
  const dup = concat([0xa4, 0x61], ascii('v'), [0x01], [0x64], ascii('hash'), [0x78, 0x40], ascii(hash),
    [0x64], ascii('type'), [0x64], ascii('blob'), [0x64], ascii('type'), [0x64], ascii('blob'));
  rejects(() => decodeBlobRequest(dup), 'malformed');
});

test('another protocol version is refused', () => {
  const raw = cborDecode(encodeBlobRequest({ type: 'blob', hash: h('x') })) as Record<string, unknown>;
  rejects(() => decodeBlobRequest(cborEncode({ ...raw, v: PROTOCOL_VERSION + 1 })), 'malformed', /version/);
});

test('input over the limit is oversized before any decoding; at the limit it is decoded', () => {
  for (const kind of kinds()) {
    rejects(() => kind.decode(new Uint8Array(kind.limit + 1)), 'oversized');
    rejects(() => kind.decode(new Uint8Array(kind.limit)), 'malformed');
  }
});

test('decoders refuse non-bytes input with a ProtocolError', () => {
  for (const kind of kinds()) {
    for (const bad of [undefined, null, 'abc', [1, 2], {}]) rejects(() => kind.decode(bad as unknown as Uint8Array), 'malformed');
  }
});

function maxRecord(): RoundRecord {
  const members = Array.from({ length: BOUNDS.members }, (_, i) => h(`member-${i}`)).sort();
  const accepted: Accepted[] = members.slice(0, BOUNDS.accepted).map((peer) => ({ peer, payloadHash: h(`p${peer}`), commitmentHash: h(`c${peer}`) }));
  return { run: RUN, index: Number.MAX_SAFE_INTEGER, prev: h('prev'), round: Number.MAX_SAFE_INTEGER, members, accepted, model: h('m'), time: Number.MAX_SAFE_INTEGER };
}

test('the largest valid messages of each kind fit their limits', () => {
  const last = signRecord(coordinator, maxRecord());
  assert.ok(encodeSignedRecord(last).length <= LIMITS.record);
  assert.deepEqual(decodeSignedRecord(encodeSignedRecord(last)), last);
  const addrs = Array.from({ length: BOUNDS.addrs }, (_, i) => `/dns4/${'x'.repeat(BOUNDS.addrLength - 20)}/tcp/${10000 + i}`.padEnd(BOUNDS.addrLength, '0'));
  const status: CoordinatorResponse = {
    type: 'status', run: RUN, phase: 'close', round: Number.MAX_SAFE_INTEGER, members: last.record.members, model: h('m'),
    deadline: Number.MAX_SAFE_INTEGER, providers: Array.from({ length: BOUNDS.providers }, (_, i) => ({ peer: h(`prov-${i}`), addrs })), last,
  };
  assert.deepEqual(decodeResponse(encodeResponse(status)), status);
  const closed = { type: 'round-closed', last } as const;
  assert.deepEqual(decodeAnnouncement(encodeAnnouncement(closed)), closed);
  const commit = { type: 'commit', run: RUN, signed: { commitment: { ...commitment(), loss: -1.2345678901234567e300, payloadBytes: Number.MAX_SAFE_INTEGER }, signature: new Uint8Array(64) }, addrs } as const;
  assert.deepEqual(decodeRequest(encodeRequest(commit)), commit);
  const reject = { type: 'reject', reason: 'malformed', message: '\u{1F600}'.repeat(BOUNDS.rejectionMessage / 2) } as const;
  assert.deepEqual(decodeResponse(encodeResponse(reject)), reject);
});

test('rejectionOf names the reason and keeps messages within the wire bound', () => {
  const r = rejectionOf(new ProtocolError('late', 'x'.repeat(5000)));
  assert.equal(r.reason, 'late');
  assert.equal(r.message.length, BOUNDS.rejectionMessage);
  assert.deepEqual(decodeResponse(encodeResponse(r)), r);
  assert.equal(rejectionOf(new Error('internal detail')).message.includes('internal'), false);
});

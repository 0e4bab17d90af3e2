/**
 * Strict decoding, field by field: for every message kind, removing any field (at any depth),
 * adding one, or giving one a wrong type is refused as 'malformed'; so are arrays and strings
 * over their bounds, unsorted or duplicate peer sets, bad hex and bad signature lengths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as cborEncode, decode as cborDecode } from 'cborg';
import {
  BOUNDS, decodeRequest, decodeResponse, decodeSignedRecord, encodeRequest, encodeResponse, encodeSignedRecord,
  PROTOCOL_VERSION, ProtocolError, type CoordinatorRequest, type CoordinatorResponse,
} from '../../src/protocol/index.ts';
import { alice, h, kinds, records, responses, RUN } from './fixtures.ts';

type Path = Array<string | number>;
const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);

/** Paths of every map field (into maps, and into the first element of arrays). */
function fieldPaths(x: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(x)) return x.length > 0 ? fieldPaths(x[0], [...prefix, 0]) : [];
  if (!isMap(x)) return [];
  return Object.keys(x).flatMap((k) => [[...prefix, k], ...fieldPaths(x[k], [...prefix, k])]);
}

/** Paths of every map (the top level included). */
function mapPaths(x: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(x)) return x.length > 0 ? mapPaths(x[0], [...prefix, 0]) : [];
  if (!isMap(x)) return [];
  return [prefix, ...Object.keys(x).flatMap((k) => mapPaths(x[k], [...prefix, k]))];
}

function edit(root: unknown, path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  change(node, path[path.length - 1]!);
  return copy;
}

function wrongValues(v: unknown): unknown[] {
  const wrong: unknown[] = [null, true];
  if (typeof v === 'string') wrong.push(12, new Uint8Array(2));
  else if (typeof v === 'number') wrong.push('7', new Uint8Array(1));
  else if (typeof v === 'boolean') wrong.push(1, 'true');
  else if (v instanceof Uint8Array) wrong.push('ab'.repeat(32), [1, 2]);
  else if (Array.isArray(v)) wrong.push({}, 'x');
  else wrong.push([], 'x');
  return wrong.filter((w) => w !== v);
}

/** Refused as malformed; `why` pins the check that refused it (the canonical re-encoding check would catch most edits too). */
function assertMalformed(decode: (b: Uint8Array) => unknown, value: unknown, what: string, why?: RegExp): void {
  assert.throws(() => decode(cborEncode(value)), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed' && (why === undefined || why.test(e.message)), what);
}

test('every field missing, at any depth, is refused', () => {
  let cases = 0;
  for (const kind of kinds()) {
    for (const example of kind.examples) {
      const raw = cborDecode(kind.encode(example as never));
      for (const path of fieldPaths(raw)) {
        assertMalformed(kind.decode, edit(raw, path, (p, k) => { delete p[k]; }), `${kind.name} without ${path.join('.')}`, /missing field/);
        cases++;
      }
    }
  }
  assert.ok(cases > 150, `only ${cases} cases`);
});

test('an extra field in any map is refused (including __proto__)', () => {
  for (const kind of kinds()) {
    const raw = cborDecode(kind.encode(kind.examples[0] as never));
    for (const path of mapPaths(raw)) {
      for (const key of ['extra', '__proto__', 'V']) {
        const value = path.length === 0
          ? Object.defineProperty(structuredClone(raw) as object, key, { value: 1, enumerable: true })
          : edit(raw, [...path, key], (p, k) => { Object.defineProperty(p, k, { value: 1, enumerable: true }); });
        assertMalformed(kind.decode, value, `${kind.name} with ${[...path, key].join('.')}`, /unexpected field/);
      }
    }
  }
});

test('every field with a wrong type is refused', () => {
  for (const kind of kinds()) {
    for (const example of kind.examples) {
      const raw = cborDecode(kind.encode(example as never));
      for (const path of fieldPaths(raw)) {
        const here = path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], raw);
        for (const w of wrongValues(here)) {
          assertMalformed(kind.decode, edit(raw, path, (p, k) => { p[k] = w; }), `${kind.name}.${path.join('.')} = ${String(w)}`, /expected/);
        }
      }
    }
  }
});

const withV = (x: object): object => ({ ...x, v: PROTOCOL_VERSION });
const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => h(`peer-${i}`)).sort();

function refusedBoth<T extends object>(decode: (b: Uint8Array) => unknown, encode: (x: T) => Uint8Array, value: T, what: string): void {
  assertMalformed(decode, withV(value), what);
  assert.throws(() => encode(value), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed', `encode ${what}`);
}

test('arrays and strings over their bounds are refused by decoder and encoder', () => {
  const join = (addrs: string[]): CoordinatorRequest => ({ type: 'join', run: RUN, peer: alice.peer, addrs });
  assert.ok(decodeRequest(encodeRequest(join(Array(BOUNDS.addrs).fill('a'.repeat(BOUNDS.addrLength))))));
  refusedBoth(decodeRequest, encodeRequest, join(Array(BOUNDS.addrs + 1).fill('/ip4/1.2.3.4/tcp/1')), 'too many addrs');
  refusedBoth(decodeRequest, encodeRequest, join(['a'.repeat(BOUNDS.addrLength + 1)]), 'addr too long');
  const status = responses()[0] as Extract<CoordinatorResponse, { type: 'status' }>;
  refusedBoth(decodeResponse, encodeResponse, { ...status, members: peers(BOUNDS.members + 1) }, 'too many members');
  const provider = { peer: alice.peer, addrs: [] };
  refusedBoth(decodeResponse, encodeResponse, { ...status, providers: Array(BOUNDS.providers + 1).fill(provider) }, 'too many providers');
  const reject = { type: 'reject', reason: 'late', message: 'x'.repeat(BOUNDS.rejectionMessage + 1) } as const;
  refusedBoth(decodeResponse, encodeResponse, reject, 'message too long');
  const [, r1] = records();
  const accepted = peers(BOUNDS.accepted + 1).map((peer) => ({ peer, payloadHash: h('p'), commitmentHash: h('c') }));
  refusedBoth(decodeSignedRecord, encodeSignedRecord, { ...r1!, record: { ...r1!.record, accepted } }, 'too many accepted');
});

test('peer sets must be sorted and without duplicates', () => {
  const status = responses()[0] as Extract<CoordinatorResponse, { type: 'status' }>;
  const sorted = peers(3);
  refusedBoth(decodeResponse, encodeResponse, { ...status, members: [sorted[1]!, sorted[0]!, sorted[2]!] }, 'unsorted members');
  refusedBoth(decodeResponse, encodeResponse, { ...status, members: [sorted[0]!, sorted[0]!] }, 'duplicate members');
  const [, r1] = records();
  const accepted = [...r1!.record.accepted].reverse();
  assert.ok(accepted.length >= 2);
  refusedBoth(decodeSignedRecord, encodeSignedRecord, { ...r1!, record: { ...r1!.record, accepted } }, 'unsorted accepted');
});

test('hashes and keys must be 64 lowercase hex characters; signatures 64 bytes; prev empty only at genesis', () => {
  const blob = kinds().find((k) => k.name === 'BlobRequest')!;
  for (const hash of [RUN.toUpperCase(), RUN.slice(1), `${RUN}0`, `${RUN.slice(1)}g`, '']) {
    assertMalformed(blob.decode, withV({ type: 'blob', hash }), `hash ${hash}`);
  }
  const [g, r1] = records();
  for (const n of [0, 63, 65]) refusedBoth(decodeSignedRecord, encodeSignedRecord, { ...r1!, signature: new Uint8Array(n) }, `signature of ${n} bytes`);
  refusedBoth(decodeSignedRecord, encodeSignedRecord, { ...r1!, record: { ...r1!.record, prev: '' } }, "prev '' at index 1");
  refusedBoth(decodeSignedRecord, encodeSignedRecord, { ...g!, record: { ...g!.record, prev: h('x') } }, 'prev set at index 0');
});

test('counts, rounds, indexes and times must be non-negative safe integers', () => {
  const heartbeat = (round: unknown): object => withV({ type: 'heartbeat', run: RUN, peer: alice.peer, round, model: '' });
  for (const round of [-1, 0.5, 2 ** 53, -0.5]) assertMalformed(decodeRequest, heartbeat(round), `round ${round}`);
  assertMalformed(decodeRequest, heartbeat(2n ** 63n), 'round 2^63 (a 64-bit integer)');
  assert.deepEqual(decodeRequest(cborEncode(heartbeat(2 ** 53 - 1))), { type: 'heartbeat', run: RUN, peer: alice.peer, round: 2 ** 53 - 1, model: '' });
});

test('unknown message types, phases and reasons are refused', () => {
  assertMalformed(decodeRequest, withV({ type: 'hello', run: RUN, peer: alice.peer }), 'type hello');
  const status = responses()[0]!;
  assertMalformed(decodeResponse, withV({ ...status, phase: 'paused' }), 'phase paused');
  assertMalformed(decodeResponse, withV({ type: 'reject', reason: 'tired', message: '' }), 'reason tired');
  assertMalformed(decodeRequest, withV({ type: 'toString', run: RUN }), 'type toString (inherited property)');
});

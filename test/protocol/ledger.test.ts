/**
 * The ledger format: frames round-trip, a torn tail at every cut point of the last frame is
 * recoverable, and any other damage (a flipped byte in the middle, a reordered or foreign
 * record, another signer, another run, a damaged length prefix) is refused with its reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  decodeSignedRecord, encodeSignedRecord, frameRecord, genesisRecord, nextRecord, parseLedger, ProtocolError, recordHash,
  signRecord, type SignedRecord,
} from '../../src/protocol/index.ts';
import { alice, bob, carol, coordinator, h, RUN } from './fixtures.ts';

const expect = { run: RUN, signer: coordinator.peer };

function chain(n: number, signer = coordinator, run = RUN): SignedRecord[] {
  const out = [signRecord(signer, genesisRecord(run, h('model-0'), [alice.peer], 1000))];
  for (let i = 1; i < n; i++) {
    const peers = [alice.peer, bob.peer, carol.peer].sort();
    out.push(signRecord(signer, nextRecord(out[i - 1]!, {
      round: 2 * i, members: peers, accepted: peers.slice(0, i % 3).map((peer) => ({ peer, payloadHash: h(`p${i}${peer}`), commitmentHash: h(`c${i}${peer}`) })),
      model: h(`model-${i}`), time: 1000 + i,
    })));
  }
  return out;
}

const join = (frames: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(frames));
const reason = (r: string) => (e: unknown): boolean => e instanceof ProtocolError && e.reason === r;

test('frames are a u32 LE length and the signed record bytes; record hashes are their SHA-256', () => {
  const [g] = chain(1);
  const frame = frameRecord(g!);
  const body = encodeSignedRecord(g!);
  assert.equal(Buffer.from(frame).readUInt32LE(0), body.length);
  assert.deepEqual(frame.subarray(4), body);
  assert.equal(recordHash(g!), createHash('sha256').update(body).digest('hex'));
});

test('nextRecord links to the previous record and refuses a round that does not advance', () => {
  const records = chain(3);
  assert.equal(records[1]!.record.prev, recordHash(records[0]!));
  assert.equal(records[2]!.record.index, 2);
  assert.equal(records[2]!.record.run, RUN);
  assert.throws(() => nextRecord(records[2]!, { round: records[2]!.record.round, members: [], accepted: [], model: h('x'), time: 0 }), reason('stale-round'));
});

test('a 5-record ledger round-trips', () => {
  const records = chain(5);
  const bytes = join(records.map(frameRecord));
  const parsed = parseLedger(bytes, expect);
  assert.deepEqual(parsed, { records, validBytes: bytes.length, torn: false });
  assert.deepEqual(parseLedger(new Uint8Array(0), expect), { records: [], validBytes: 0, torn: false });
});

test('a torn tail at every cut point of the last frame is reported, with the bytes to keep', () => {
  const records = chain(5);
  const frames = records.map(frameRecord);
  const head = join(frames.slice(0, 4));
  const full = join(frames);
  for (let cut = head.length + 1; cut < full.length; cut++) {
    const parsed = parseLedger(full.subarray(0, cut), expect);
    assert.equal(parsed.torn, true, `cut ${cut}`);
    assert.equal(parsed.validBytes, head.length, `cut ${cut}`);
    assert.deepEqual(parsed.records, records.slice(0, 4), `cut ${cut}`);
  }
  assert.equal(parseLedger(full.subarray(0, head.length), expect).torn, false);
});

test('a flipped byte in a middle record is refused, never taken for a torn tail', () => {
  const records = chain(5);
  const frames = records.map(frameRecord);
  const start = frames[0]!.length + frames[1]!.length; // frame 2
  const bytes = join(frames);
  const seen = new Set<string>();
  // Every third byte of the frame (prefix included), a different bit each time: ed25519 checks make each parse cost ~ms.
  for (let at = start; at < start + frames[2]!.length; at += 3) {
    for (const bit of [at % 8]) {
      const damaged = Uint8Array.from(bytes);
      damaged[at] = damaged[at]! ^ (1 << bit);
      assert.throws(() => parseLedger(damaged, expect), (e: unknown) => {
        if (!(e instanceof ProtocolError)) return false;
        seen.add(e.reason);
        return ['malformed', 'bad-signature', 'hash-mismatch'].includes(e.reason);
      }, `byte ${at - start} bit ${bit}`);
    }
  }
  assert.ok(seen.has('malformed') && seen.has('bad-signature'), [...seen].join());
});

test('a damaged length prefix that runs past the end is refused, not truncated', () => {
  const frames = chain(5).map(frameRecord);
  const bytes = join(frames);
  const at = frames[0]!.length + frames[1]!.length + frames[2]!.length; // prefix of frame 3 of 0..4
  const damaged = Uint8Array.from(bytes);
  damaged[at + 1] = damaged[at + 1]! + 4; // + 1024 bytes: past the end of the file
  assert.throws(() => parseLedger(damaged, expect), reason('malformed'));
  const huge = Uint8Array.from(bytes);
  huge[at + 3] = 0x7f;
  assert.throws(() => parseLedger(huge, expect), reason('malformed'));
});

test('a reordered record breaks the hash chain', () => {
  const frames = chain(5).map(frameRecord);
  assert.throws(() => parseLedger(join([frames[0]!, frames[2]!, frames[1]!, frames[3]!, frames[4]!]), expect), reason('hash-mismatch'));
  assert.throws(() => parseLedger(join([frames[0]!, frames[1]!, frames[3]!]), expect), reason('hash-mismatch'));
  assert.throws(() => parseLedger(join([frames[1]!, frames[2]!]), expect), reason('hash-mismatch'));
});

test('a record signed by another key is refused', () => {
  const records = chain(5);
  const forged = signRecord(alice, records[2]!.record);
  const frames = records.map(frameRecord);
  frames[2] = frameRecord(forged);
  assert.throws(() => parseLedger(join(frames), expect), reason('bad-signature'));
  // A whole ledger by another key too.
  assert.throws(() => parseLedger(join(chain(2, bob).map(frameRecord)), expect), reason('bad-signature'));
});

test('a record of another run is refused', () => {
  const other = h('other run');
  assert.throws(() => parseLedger(join(chain(3, coordinator, other).map(frameRecord)), expect), reason('wrong-run'));
  const records = chain(3);
  const foreign = signRecord(coordinator, { ...records[2]!.record, run: other });
  assert.throws(() => parseLedger(join([...records.slice(0, 2), foreign].map(frameRecord)), expect), reason('wrong-run'));
});

test('chain rules: index from 0, genesis round 0 with nothing accepted, rounds strictly increasing', () => {
  const records = chain(4);
  const resign = (r: SignedRecord, edit: object): SignedRecord => signRecord(coordinator, { ...r.record, ...edit });
  const badIndex = resign(records[1]!, { index: 2 });
  assert.throws(() => parseLedger(join([records[0]!, badIndex].map(frameRecord)), expect), reason('malformed'));
  const badGenesis = resign(records[0]!, { round: 3 });
  assert.throws(() => parseLedger(frameRecord(badGenesis), expect), reason('malformed'));
  const sameRound = resign(records[2]!, { round: records[1]!.record.round });
  assert.throws(() => parseLedger(join([records[0]!, records[1]!, sameRound].map(frameRecord)), expect), reason('malformed'));
  const zeroLength = new Uint8Array(4);
  assert.throws(() => parseLedger(join([frameRecord(records[0]!), zeroLength]), expect), reason('malformed'));
  assert.deepEqual(decodeSignedRecord(encodeSignedRecord(records[3]!)), records[3]);
});

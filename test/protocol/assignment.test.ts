/**
 * Data assignment: the stream is SHA-256 of the canonical CBOR of [run, round, peer] (built by
 * hand here, independently of cborg), big-endian, masked to 31 bits; steps follow the round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dataAssignment, ProtocolError } from '../../src/protocol/index.ts';
import { alice, bob, h, RUN } from './fixtures.ts';

/** CBOR by hand: array(3), text(64) run, uint round, text(64) peer. */
function handCbor(run: string, round: number, peer: string): Buffer {
  const text64 = (s: string): Buffer => Buffer.concat([Buffer.from([0x78, 0x40]), Buffer.from(s, 'ascii')]);
  let uint: Buffer;
  if (round < 24) uint = Buffer.from([round]);
  else if (round < 256) uint = Buffer.from([0x18, round]);
  else if (round < 65536) uint = Buffer.from([0x19, round >> 8, round & 0xff]);
  else { uint = Buffer.alloc(5); uint[0] = 0x1a; uint.writeUInt32BE(round, 1); }
  return Buffer.concat([Buffer.from([0x83]), text64(run), uint, text64(peer)]);
}

test('the stream is the first 4 bytes of SHA-256([run, round, peer]), big-endian, masked to 31 bits', () => {
  for (const round of [1, 23, 24, 255, 256, 70000]) {
    for (const peer of [alice.peer, bob.peer]) {
      const digest = createHash('sha256').update(handCbor(RUN, round, peer)).digest();
      const expected = digest.readUInt32BE(0) & 0x7fffffff;
      assert.deepEqual(dataAssignment(RUN, round, peer, 20), { stream: expected, firstStep: (round - 1) * 20, steps: 20 }, `round ${round}`);
    }
  }
});

test('assignments are pure and differ across peers, rounds and runs', () => {
  assert.deepEqual(dataAssignment(RUN, 3, alice.peer, 8), dataAssignment(RUN, 3, alice.peer, 8));
  const streams = new Set<number>();
  for (let round = 1; round <= 50; round++) for (const peer of [alice.peer, bob.peer]) streams.add(dataAssignment(RUN, round, peer, 8).stream);
  streams.add(dataAssignment(h('other run'), 1, alice.peer, 8).stream);
  assert.equal(streams.size, 101);
  for (const s of streams) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 31);
});

test('bad inputs are refused as malformed', () => {
  const malformed = (e: unknown): boolean => e instanceof ProtocolError && e.reason === 'malformed';
  assert.throws(() => dataAssignment(RUN.toUpperCase(), 1, alice.peer, 1), malformed);
  assert.throws(() => dataAssignment(RUN, 0, alice.peer, 1), malformed); // rounds count from 1
  assert.throws(() => dataAssignment(RUN, 1, 'peer', 1), malformed);
  assert.throws(() => dataAssignment(RUN, -1, alice.peer, 1), malformed);
  assert.throws(() => dataAssignment(RUN, 1.5, alice.peer, 1), malformed);
  assert.throws(() => dataAssignment(RUN, 1, alice.peer, 0), malformed);
  assert.throws(() => dataAssignment(RUN, 2 ** 52, alice.peer, 4), malformed);
});

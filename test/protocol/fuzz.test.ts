/**
 * Decoders on hostile bytes: random bytes, every truncation and random bit flips of valid
 * encodings of every kind, and deep nesting. Each input must either decode to a value that
 * encodes back to exactly the input (a valid message), or throw a ProtocolError; nothing else.
 * The PRNG is seeded, so a failure names a case that can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/protocol/index.ts';
import { kinds, prng, type Kind } from './fixtures.ts';

interface Tally { valid: number; refused: number }

function check(kind: Kind, input: Uint8Array, what: string, tally: Tally): void {
  let value: unknown;
  try {
    value = kind.decode(input);
  } catch (e) {
    if (!(e instanceof ProtocolError)) assert.fail(`${kind.name} ${what}: threw ${String(e)} instead of a ProtocolError`);
    tally.refused++;
    return;
  }
  assert.deepEqual(kind.encode(value as never), input, `${kind.name} ${what}: decoded a value that does not re-encode to the input`);
  tally.valid++;
}

test('random bytes are refused with a ProtocolError', () => {
  const rand = prng(1);
  for (const kind of kinds()) {
    const tally = { valid: 0, refused: 0 };
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(rand() * 200);
      const input = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      // Half of them start like a map, to get past the first byte more often.
      if (n > 0 && i % 2 === 0) input[0] = 0xa0 + (input[0]! % 12);
      check(kind, input, `random #${i}`, tally);
    }
    assert.equal(tally.refused, 300, kind.name);
  }
});

test('every truncation of a valid encoding is refused', () => {
  for (const kind of kinds()) {
    for (const example of kind.examples) {
      const bytes = kind.encode(example as never);
      const tally = { valid: 0, refused: 0 };
      for (let cut = 0; cut < bytes.length; cut++) check(kind, bytes.subarray(0, cut), `cut at ${cut}`, tally);
      assert.equal(tally.refused, bytes.length, kind.name);
    }
  }
});

test('random bit flips of valid encodings decode to valid messages or are refused', () => {
  const rand = prng(2);
  for (const kind of kinds()) {
    for (const example of kind.examples) {
      const bytes = kind.encode(example as never);
      const tally = { valid: 0, refused: 0 };
      for (let i = 0; i < 400; i++) {
        const input = Uint8Array.from(bytes);
        const flips = 1 + Math.floor(rand() * 3);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(rand() * input.length);
          input[at] = input[at]! ^ (1 << Math.floor(rand() * 8));
        }
        check(kind, input, `flip #${i}`, tally);
      }
      assert.equal(tally.valid + tally.refused, 400);
      assert.ok(tally.refused > 0, `${kind.name}: no flip was refused`);
    }
  }
});

test('deeply nested input is refused, not a stack overflow', () => {
  for (const kind of kinds()) {
    const depth = Math.min(kind.limit - 1, 200_000);
    const arrays = new Uint8Array(depth + 1).fill(0x81);
    arrays[depth] = 0x00;
    check(kind, arrays, 'nested arrays', { valid: 0, refused: 0 });
    const maps = new Uint8Array(Math.min(kind.limit, 3 * 20_000)).fill(0);
    for (let i = 0; i + 3 <= maps.length; i += 3) maps.set([0xa1, 0x61, 0x61], i);
    check(kind, maps, 'nested maps', { valid: 0, refused: 0 });
  }
});

/**
 * safetensors: round trip, interoperability with the Python writer, and strict refusal of
 * malformed files with a SafetensorsError that names the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSafetensors, writeSafetensors, type RawTensor } from '../../src/nn/index.ts';

const sample: Array<[string, RawTensor]> = [
  ['w', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]) }],
  ['idx', { dtype: 'I32', shape: [3], data: Int32Array.from([7, -1, 2 ** 31 - 1]) }],
  ['s', { dtype: 'F64', shape: [], data: Float64Array.from([Math.PI]) }],
];

function throwsSafetensors(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => readSafetensors(bytes), (err: Error) => err.name === 'SafetensorsError' && message.test(err.message));
}

/** A file with a hand-written header and data section. */
function handmade(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

test('write then read gives the same tensors, metadata and an 8-byte aligned data section', () => {
  const bytes = writeSafetensors(sample, { step: '10' });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0);
  const file = readSafetensors(bytes);
  assert.deepEqual(file.metadata, { step: '10' });
  for (const [name, t] of sample) {
    const got = file.tensors.get(name)!;
    assert.equal(got.dtype, t.dtype);
    assert.deepEqual(got.shape, t.shape);
    assert.deepEqual(Array.from(got.data), Array.from(t.data));
  }
  assert.ok(Object.is(file.tensors.get('w')!.data[4], -0));
});

test('reads the files written by the Python golden generator', () => {
  const file = readSafetensors(readFileSync(new URL('../golden/gpt2l.safetensors', import.meta.url)));
  assert.deepEqual(file.tensors.get('wte.weight')!.shape, [64, 32]);
  assert.equal(file.tensors.get('input.tokens')!.dtype, 'I32');
  assert.ok(file.metadata['config']!.includes('vocab_size'));
});

test('malformed files are refused with a named reason', () => {
  const good = writeSafetensors(sample);
  throwsSafetensors(good.subarray(0, 5), /shorter than the 8-byte header length/);
  throwsSafetensors(good.subarray(0, good.length - 1), /data_offsets|trailing/);
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  throwsSafetensors(huge, /header length/);
  throwsSafetensors(handmade('{not json', 0), /not valid UTF-8 JSON/);
  throwsSafetensors(handmade('[1,2]', 0), /not a JSON object/);
  throwsSafetensors(handmade({ a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, 2), /unsupported dtype "F16"/);
  throwsSafetensors(handmade({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /bad shape/);
  throwsSafetensors(handmade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4), /do not hold F32\[2\]/);
  throwsSafetensors(handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4), /gap or overlap/);
  throwsSafetensors(handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /starts at 4, expected 0/);
  throwsSafetensors(handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 12), /8 trailing bytes/);
  throwsSafetensors(handmade({ __metadata__: { k: 1 } }, 0), /__metadata__\.k is not a string/);
});

test('writing refuses duplicate names and mismatched sizes', () => {
  const t: RawTensor = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
  assert.throws(() => writeSafetensors([['a', t], ['a', t]]), /duplicate/);
  assert.throws(() => writeSafetensors([['a', { ...t, shape: [2] }]]), /1 values for shape \[2\]/);
});

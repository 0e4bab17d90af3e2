/**
 * The data layer on the bundled corpus and on damaged copies: tokenizer round trips,
 * shards whose manifest catches every corruption, and batches that are a pure function
 * of (seed, step, worker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteTokenizer, prepareCorpus, readShards, sampleBatch, writeShards } from '../../src/data/index.ts';

const CORPUS = new URL('../../data/tinyshakespeare.txt', import.meta.url).pathname;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-data-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function throwsNamed(fn: () => unknown, name: string, message: RegExp): void {
  assert.throws(fn, (err: Error) => err.name === name && message.test(err.message));
}

test('byte tokenizer round-trips any text, including multi-byte characters', () => {
  const tok = byteTokenizer();
  const text = 'ROMEO: O, she doth teach the torches to burn bright! \u00e9\u4e2d\ud83d\ude00';
  const ids = tok.encode(text);
  assert.ok(ids.every((t) => t >= 0 && t < 256));
  assert.equal(tok.decode(ids), text);
});

test('the bundled corpus becomes verified shards with a 90/10 split', () => {
  withDir((dir) => {
    const manifest = prepareCorpus(CORPUS, dir, byteTokenizer(), { shardTokens: 300_000 });
    const bytes = readFileSync(CORPUS).length;
    const { train, val } = readShards(dir);
    assert.equal(train.length + val.length, bytes);
    assert.equal(train.length, Math.floor(bytes * 0.9));
    assert.equal(manifest.dtype, 'u16');
    assert.ok(manifest.shards.length >= 4, 'several shards');
    assert.equal(byteTokenizer().decode(train.subarray(0, 14)), 'First Citizen:');
  });
});

test('missing or empty corpora are CorpusErrors', () => {
  withDir((dir) => {
    throwsNamed(() => prepareCorpus(join(dir, 'nope.txt'), dir, byteTokenizer()), 'CorpusError', /cannot read corpus/);
    writeFileSync(join(dir, 'empty.txt'), '');
    throwsNamed(() => prepareCorpus(join(dir, 'empty.txt'), dir, byteTokenizer()), 'CorpusError', /is empty/);
  });
});

test('a corrupted, truncated, missing or swapped shard is refused by name', () => {
  withDir((dir) => {
    const tok = byteTokenizer();
    const manifest = writeShards(dir, tok.encode('abcdefghij'.repeat(100)), tok, { shardTokens: 200 });
    const first = join(dir, manifest.shards[0]!.file);
    const original = readFileSync(first);
    const flipped = Buffer.from(original);
    flipped[3]! ^= 1;
    writeFileSync(first, flipped);
    throwsNamed(() => readShards(dir), 'ManifestError', /has SHA-256 [0-9a-f]{64}, the manifest says/);
    writeFileSync(first, original.subarray(0, 10));
    throwsNamed(() => readShards(dir), 'ManifestError', /has 10 bytes/);
    rmSync(first);
    throwsNamed(() => readShards(dir), 'ManifestError', /is missing/);
    writeFileSync(first, original);
    assert.equal(readShards(dir).train.length, 900); // restored: reads again
    writeFileSync(join(dir, 'manifest.json'), '{"version": 2}');
    throwsNamed(() => readShards(dir), 'ManifestError', /unsupported version 2/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, shards: [{ ...manifest.shards[0], file: '../etc/passwd' }] }));
    throwsNamed(() => readShards(dir), 'ManifestError', /malformed shard entry/);
  });
});

test('batches are a pure function of (seed, step, worker), with targets shifted by one', () => {
  const tokens = Int32Array.from({ length: 5000 }, (_, i) => i % 251);
  const spec = { seed: 3, step: 7, worker: 2, batchSize: 4, contextLength: 16 };
  const a = sampleBatch(tokens, spec);
  const b = sampleBatch(tokens.slice(), spec);
  assert.deepEqual(a, b);
  assert.notDeepEqual(sampleBatch(tokens, { ...spec, step: 8 }).starts, a.starts);
  assert.notDeepEqual(sampleBatch(tokens, { ...spec, worker: 3 }).starts, a.starts);
  for (let r = 0; r < 4; r++) {
    const s = a.starts[r]!;
    assert.ok(s >= 0 && s + 16 < tokens.length);
    assert.deepEqual(a.inputs.subarray(r * 16, r * 16 + 16), tokens.subarray(s, s + 16));
    assert.deepEqual(a.targets.subarray(r * 16, r * 16 + 16), tokens.subarray(s + 1, s + 17));
  }
  // Recorded: the windows of this spec never change (data assignment is part of the contract).
  assert.deepEqual(Array.from(a.starts), RECORDED_STARTS);
});

test('a context longer than the data is a DataError', () => {
  throwsNamed(() => sampleBatch(new Int32Array(16), { seed: 1, step: 0, worker: 0, batchSize: 1, contextLength: 16 }), 'DataError', /needs at least 17 tokens, the split has 16/);
  throwsNamed(() => sampleBatch(new Int32Array(99), { seed: 1, step: 0, worker: 0, batchSize: 0, contextLength: 4 }), 'DataError', /positive integers/);
});

const RECORDED_STARTS = [2164, 4907, 1942, 3347];

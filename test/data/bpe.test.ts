/**
 * Hugging Face tokenizer.json loading, on a small byte-level BPE written here (GPT-2's byte
 * alphabet plus a few merges): merges apply, text round-trips, bad files are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeByteLevelBpe as writeTokenizer } from '../helpers.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHfTokenizer, writeShards, readShards } from '../../src/data/index.ts';

test('a byte-level BPE tokenizer.json: merges apply and text round-trips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bpe-'));
  try {
    const tok = loadHfTokenizer(writeTokenizer(dir));
    assert.equal(tok.vocabSize, 261);
    const ids = tok.encode('the cat');
    assert.deepEqual(Array.from(ids), [257, 260]); // 'the' and ' cat' are single merged tokens
    const text = 'ROMEO: the cat, the hat! \u00e9';
    assert.equal(tok.decode(tok.encode(text)), text);
    // Its tokens go through the same shards as bytes do (u16 on disk).
    const manifest = writeShards(join(dir, 'shards'), tok.encode(text.repeat(50)), tok, { shardTokens: 100 });
    assert.equal(manifest.vocabSize, 261);
    assert.equal(tok.decode(readShards(join(dir, 'shards')).train.subarray(0, 8)), 'ROMEO: the');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or malformed tokenizer.json is a CorpusError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bpe-'));
  try {
    assert.throws(() => loadHfTokenizer(join(dir, 'none.json')), (e: Error) => e.name === 'CorpusError' && /cannot load tokenizer/.test(e.message));
    writeFileSync(join(dir, 'empty.json'), '{"model": {"type": "BPE", "vocab": {}, "merges": []}}');
    assert.throws(() => loadHfTokenizer(join(dir, 'empty.json')), (e: Error) => e.name === 'CorpusError' && /no vocabulary/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

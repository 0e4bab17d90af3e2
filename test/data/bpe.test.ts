/**
 * Hugging Face tokenizer.json loading, on a small byte-level BPE written here (GPT-2's byte
 * alphabet plus a few merges): merges apply, text round-trips, bad files are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHfTokenizer, writeShards, readShards } from '../../src/data/index.ts';

/** GPT-2's reversible map from bytes to printable characters. */
function byteAlphabet(): string[] {
  const keep = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(keep(b) ? b : 256 + extra++));
}

function writeTokenizer(dir: string): string {
  const vocab: Record<string, number> = {};
  byteAlphabet().forEach((ch, i) => (vocab[ch] = i));
  const merges = ['t h', 'th e', '\u0120 c', '\u0120c a', '\u0120ca t'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const json = {
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  const path = join(dir, 'tokenizer.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}

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

/**
 * @file Corpus to token shards: binary shards (u16 or u32 little-endian tokens) and a
 * manifest.json with each shard's token count and SHA-256, split into train and val.
 * Reading checks every size and hash, so a corrupted or swapped shard is refused
 * (ManifestError) instead of silently training on wrong data.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorpusError, ManifestError } from './errors.ts';
import type { Tokenizer } from './tokenizer.ts';

export type Split = 'train' | 'val';

export interface ShardEntry {
  readonly file: string;
  readonly split: Split;
  readonly tokens: number;
  /** SHA-256 (hex) of the shard file's bytes. */
  readonly sha256: string;
}

export interface Manifest {
  readonly version: 1;
  readonly tokenizer: string;
  readonly vocabSize: number;
  /** Token width on disk: u16 when the vocabulary fits, else u32. */
  readonly dtype: 'u16' | 'u32';
  readonly shards: readonly ShardEntry[];
}

export interface ShardOptions {
  /** Tokens per shard file (default 2^20). */
  shardTokens?: number;
  /** The last fraction of the tokens that forms the validation split (default 0.1). */
  valFraction?: number;
}

export interface TokenSplits {
  readonly manifest: Manifest;
  readonly train: Int32Array;
  readonly val: Int32Array;
}

const MANIFEST = 'manifest.json';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function encodeTokens(tokens: Int32Array, dtype: Manifest['dtype']): Uint8Array {
  const width = dtype === 'u16' ? 2 : 4;
  const out = new Uint8Array(tokens.length * width);
  const view = new DataView(out.buffer);
  tokens.forEach((t, i) => (dtype === 'u16' ? view.setUint16(i * 2, t, true) : view.setUint32(i * 4, t, true)));
  return out;
}

function decodeTokens(bytes: Uint8Array, dtype: Manifest['dtype']): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = dtype === 'u16' ? 2 : 4;
  return Int32Array.from({ length: bytes.length / width }, (_, i) => (dtype === 'u16' ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true)));
}

/**
 * Writes `tokens` as shards plus manifest.json into `dir`: the first (1 - valFraction) of
 * the tokens are the train split, the rest the val split (as nanoGPT splits Shakespeare).
 * @example writeShards('.tmp/data', byteTokenizer().encode(text), byteTokenizer())
 */
export function writeShards(dir: string, tokens: Int32Array, tokenizer: Tokenizer, opts: ShardOptions = {}): Manifest {
  const shardTokens = opts.shardTokens ?? 1 << 20;
  const valFraction = opts.valFraction ?? 0.1;
  if (!Number.isInteger(shardTokens) || shardTokens <= 0) throw new RangeError(`shardTokens must be a positive integer, got ${shardTokens}`);
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`valFraction must be in (0, 1), got ${valFraction}`);
  const dtype = tokenizer.vocabSize <= 65536 ? 'u16' : 'u32';
  const cut = Math.floor(tokens.length * (1 - valFraction));
  mkdirSync(dir, { recursive: true });
  const shards: ShardEntry[] = [];
  for (const [split, part] of [['train', tokens.subarray(0, cut)], ['val', tokens.subarray(cut)]] as const) {
    for (let start = 0, index = 0; start < part.length; start += shardTokens, index++) {
      const bytes = encodeTokens(part.subarray(start, start + shardTokens), dtype);
      const file = `${split}-${String(index).padStart(5, '0')}.bin`;
      writeFileSync(join(dir, file), bytes);
      shards.push({ file, split, tokens: bytes.length / (dtype === 'u16' ? 2 : 4), sha256: sha256(bytes) });
    }
  }
  const manifest: Manifest = { version: 1, tokenizer: tokenizer.name, vocabSize: tokenizer.vocabSize, dtype, shards };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Reads a text corpus and writes its shards; a missing or empty corpus is a CorpusError. */
export function prepareCorpus(corpusPath: string, dir: string, tokenizer: Tokenizer, opts: ShardOptions = {}): Manifest {
  let text: string;
  try {
    text = readFileSync(corpusPath, 'utf8');
  } catch (err) {
    throw new CorpusError(`cannot read corpus ${corpusPath}: ${(err as Error).message}`);
  }
  if (text.length === 0) throw new CorpusError(`corpus ${corpusPath} is empty`);
  return writeShards(dir, tokenizer.encode(text), tokenizer, opts);
}

function parseManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new ManifestError(`no ${MANIFEST} in ${dir}`);
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Manifest>;
  } catch (err) {
    throw new ManifestError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (m.version !== 1) throw new ManifestError(`${path}: unsupported version ${JSON.stringify(m.version)}`);
  if (m.dtype !== 'u16' && m.dtype !== 'u32') throw new ManifestError(`${path}: bad dtype ${JSON.stringify(m.dtype)}`);
  if (typeof m.tokenizer !== 'string' || !Number.isInteger(m.vocabSize) || !Array.isArray(m.shards)) {
    throw new ManifestError(`${path}: needs tokenizer, vocabSize and shards`);
  }
  for (const s of m.shards) {
    const ok = typeof s?.file === 'string' && /^[\w.-]+$/.test(s.file) && (s.split === 'train' || s.split === 'val') &&
      Number.isInteger(s.tokens) && s.tokens >= 0 && typeof s.sha256 === 'string' && /^[0-9a-f]{64}$/.test(s.sha256);
    if (!ok) throw new ManifestError(`${path}: malformed shard entry ${JSON.stringify(s)}`);
  }
  return m as Manifest;
}

/**
 * Reads and verifies the shards of `dir` (sizes and SHA-256 against the manifest).
 * @example const { train, val } = readShards('.tmp/data');
 */
export function readShards(dir: string): TokenSplits {
  const manifest = parseManifest(dir);
  const width = manifest.dtype === 'u16' ? 2 : 4;
  const parts: Record<Split, Int32Array[]> = { train: [], val: [] };
  for (const s of manifest.shards) {
    const path = join(dir, s.file);
    if (!existsSync(path)) throw new ManifestError(`shard ${s.file} listed in the manifest is missing`);
    const bytes = readFileSync(path);
    if (bytes.length !== s.tokens * width) throw new ManifestError(`shard ${s.file} has ${bytes.length} bytes, the manifest says ${s.tokens} tokens of ${width} bytes`);
    const digest = sha256(bytes);
    if (digest !== s.sha256) throw new ManifestError(`shard ${s.file} has SHA-256 ${digest}, the manifest says ${s.sha256}`);
    const ids = decodeTokens(bytes, manifest.dtype);
    const bad = ids.findIndex((t) => t >= manifest.vocabSize);
    if (bad >= 0) throw new ManifestError(`shard ${s.file}: token ${ids[bad]} at ${bad} is outside the vocabulary of ${manifest.vocabSize}`);
    parts[s.split].push(ids);
  }
  const join32 = (list: Int32Array[]): Int32Array => {
    const out = new Int32Array(list.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of list) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  };
  return { manifest, train: join32(parts.train), val: join32(parts.val) };
}

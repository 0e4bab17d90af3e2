/**
 * @file Hugging Face `tokenizer.json` tokenizers (BPE and the other models it supports)
 * through @huggingface/tokenizers, for real vocabularies such as GPT-2's. Files are read from
 * disk; nothing is downloaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { CorpusError } from './errors.ts';
import type { Tokenizer } from './tokenizer.ts';

interface TokenizerJson {
  model?: { vocab?: Record<string, number> | Array<unknown> };
  added_tokens?: Array<{ id: number }>;
}

/** The vocabulary size: one more than the largest token id in the model and added tokens. */
function vocabSizeOf(json: TokenizerJson): number {
  const vocab = json.model?.vocab;
  let max = -1;
  if (Array.isArray(vocab)) max = vocab.length - 1;
  else if (vocab !== undefined) for (const id of Object.values(vocab)) max = Math.max(max, id);
  for (const t of json.added_tokens ?? []) max = Math.max(max, t.id);
  if (max < 0) throw new CorpusError('tokenizer.json has no vocabulary (model.vocab)');
  return max + 1;
}

/**
 * Loads `tokenizer.json` (and `tokenizer_config.json` beside it, when present).
 * @example const tok = loadHfTokenizer('models/gpt2/tokenizer.json'); tok.encode('Hello world')
 */
export function loadHfTokenizer(path: string): Tokenizer {
  let json: TokenizerJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as TokenizerJson;
  } catch (err) {
    throw new CorpusError(`cannot load tokenizer ${path}: ${(err as Error).message}`);
  }
  const configPath = join(dirname(path), 'tokenizer_config.json');
  const config: object = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as object) : {};
  const vocabSize = vocabSizeOf(json);
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(json, config);
  } catch (err) {
    throw new CorpusError(`tokenizer ${path} is not usable: ${(err as Error).message}`);
  }
  return {
    name: `hf:${path}`,
    vocabSize,
    encode: (text) => Int32Array.from(hf.encode(text, { add_special_tokens: false }).ids),
    decode: (ids) => hf.decode(Array.from(ids)),
  };
}

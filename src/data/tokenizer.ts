/**
 * @file Tokenizers. The default is byte-level: UTF-8 bytes are the tokens (vocabulary 256),
 * so any text round-trips and no vocabulary file is needed.
 */

export interface Tokenizer {
  /** A stable name recorded in manifests and checkpoints, e.g. 'bytes'. */
  readonly name: string;
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/**
 * UTF-8 bytes as tokens.
 * @example byteTokenizer().encode('hi') // Int32Array [104, 105]
 */
export function byteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8');
  return {
    name: 'bytes',
    vocabSize: 256,
    encode: (text) => Int32Array.from(encoder.encode(text)),
    // Invalid sequences (a sample may stop inside a character) decode to U+FFFD.
    decode: (ids) => decoder.decode(Uint8Array.from(ids as ArrayLike<number>)),
  };
}

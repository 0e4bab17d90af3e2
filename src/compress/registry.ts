/**
 * @file Codecs by name: a run config names its codec as plain data (CodecSpec), and every
 * participant builds the same codec from it and the model's parameter shapes.
 */
import type { Backend } from '../tensor/index.ts';
import type { Codec } from './codec.ts';
import { dctTopKCodec } from './dct-topk.ts';
import { bf16Codec, fp16Codec, fp32Codec } from './dense.ts';
import { fp4Codec } from './fp4.ts';
import { int8Codec } from './int8.ts';

export type CodecSpec =
  | { readonly name: 'fp32' | 'fp16' | 'bf16' }
  | { readonly name: 'int8' }
  | { readonly name: 'fp4' }
  | { readonly name: 'dct-topk'; readonly k: number };

/**
 * Build the codec a spec names. `shapes` are the tensor shapes making up the vectors it will
 * encode (only layout-aware codecs such as DCT top-k use them).
 * @example const codec = createCodec({ name: 'int8' }, shapes); codec.decode(codec.encode(x));
 */
export function createCodec(spec: CodecSpec, shapes: readonly (readonly number[])[], backend?: Backend): Codec {
  switch (spec.name) {
    case 'fp32': return fp32Codec();
    case 'fp16': return fp16Codec();
    case 'bf16': return bf16Codec();
    case 'int8': return int8Codec();
    case 'fp4': return fp4Codec();
    case 'dct-topk': return dctTopKCodec({ shapes: shapes.map((s) => [...s]), k: spec.k, backend });
  }
}

/** A short label: "fp32", "int8", "dct-topk k=32". */
export function codecLabel(spec: CodecSpec): string {
  return spec.name === 'dct-topk' ? `dct-topk k=${spec.k}` : spec.name;
}

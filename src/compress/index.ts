/**
 * @file Pseudo-gradient codecs (layer 4): the shared wire contract, the dense codecs
 * (fp32, fp16, bf16, int8, fp4) and error feedback. Formats: docs/codecs.md.
 */
export * from './codec.ts';
export { bf16BitsToF32, bf16Codec, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, fp16Codec, fp32Codec } from './dense.ts';
export { int8Codec, type Int8CodecInit } from './int8.ts';
export { fp4Codec, type Fp4CodecInit } from './fp4.ts';
export { createErrorFeedback, type ErrorFeedback } from './error-feedback.ts';
export { dctTopKCodec } from './dct-topk.ts';
export { createCodec, codecLabel, type CodecSpec } from './registry.ts';

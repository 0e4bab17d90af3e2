/**
 * @packageDocumentation
 * The model layer: configs, the flat parameter store, the GPT, safetensors files.
 */
export * from './config.ts';
export * from './params.ts';
export * from './gpt.ts';
export * from './safetensors.ts';
export * from './sample.ts';

/**
 * @file GPT model configurations. Presets are functions (torchtitan style): each call
 * returns a fresh object, so callers may override fields without touching a global.
 */
import { ShapeError } from '../tensor/index.ts';

export interface GptConfig {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly embedDim: number;
}

/** Byte vocabulary, context 128, 4 layers, 4 heads, width 128 (about 0.8M parameters). */
export function gptTiny(): GptConfig {
  return { vocabSize: 256, contextLength: 128, numLayers: 4, numHeads: 4, embedDim: 128 };
}

/** Byte vocabulary, context 256, 6 layers, 6 heads, width 384 (about 10.8M parameters). */
export function gptSmall(): GptConfig {
  return { vocabSize: 256, contextLength: 256, numLayers: 6, numHeads: 6, embedDim: 384 };
}

/** The GPT-2 124M configuration (GPT-2 BPE vocabulary). */
export function gpt2(): GptConfig {
  return { vocabSize: 50257, contextLength: 1024, numLayers: 12, numHeads: 12, embedDim: 768 };
}

/** Throws a ShapeError naming the bad field. */
export function validateGptConfig(cfg: GptConfig): void {
  for (const [k, v] of Object.entries(cfg)) {
    if (!Number.isInteger(v) || v <= 0) throw new ShapeError(`GptConfig.${k} must be a positive integer, got ${v}`);
  }
  if (cfg.embedDim % cfg.numHeads !== 0) {
    throw new ShapeError(`GptConfig.embedDim ${cfg.embedDim} is not divisible by numHeads ${cfg.numHeads}`);
  }
}

/** Parameter names (Hugging Face GPT-2 naming) and shapes, in the flat buffer's order. */
export function gptParamShapes(cfg: GptConfig): Array<[string, number[]]> {
  validateGptConfig(cfg);
  const { vocabSize: V, contextLength: T, embedDim: C } = cfg;
  const shapes: Array<[string, number[]]> = [
    ['wte.weight', [V, C]],
    ['wpe.weight', [T, C]],
  ];
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `h.${l}.`;
    shapes.push(
      [`${p}ln_1.weight`, [C]],
      [`${p}ln_1.bias`, [C]],
      [`${p}attn.c_attn.weight`, [C, 3 * C]],
      [`${p}attn.c_attn.bias`, [3 * C]],
      [`${p}attn.c_proj.weight`, [C, C]],
      [`${p}attn.c_proj.bias`, [C]],
      [`${p}ln_2.weight`, [C]],
      [`${p}ln_2.bias`, [C]],
      [`${p}mlp.c_fc.weight`, [C, 4 * C]],
      [`${p}mlp.c_fc.bias`, [4 * C]],
      [`${p}mlp.c_proj.weight`, [4 * C, C]],
      [`${p}mlp.c_proj.bias`, [C]],
    );
  }
  shapes.push(['ln_f.weight', [C]], ['ln_f.bias', [C]]);
  return shapes;
}

/**
 * @file The GPT-2 model, top to bottom (nanoGPT's shape, llm.c's shape names).
 *
 * Dimension legend: B batch, T positions, C embedDim, H heads, D = C/H head width,
 * V vocabulary, L layers. Weights use Hugging Face GPT-2 names and layouts (Conv1D
 * weights are [in, out]: y = x @ W + b), pre-LayerNorm blocks, learned positions, GELU
 * (tanh form), and an output head tied to the token embedding.
 */
import {
  causalSelfAttention, crossEntropy, deriveKey, gatherRows, gelu, layerNorm, normal, ShapeError,
  fmtShape, type Backend, type Tensor,
} from '../tensor/index.ts';
import { gptParamShapes, type GptConfig } from './config.ts';
import { ParamStore } from './params.ts';

export interface GptOutput {
  logits_BTV: Tensor;
  /** Mean cross-entropy over all B*T positions, when targets were given. */
  loss: Tensor | null;
}

/**
 * GPT-2 initialisation: weights N(0, 0.02), residual projections (c_proj) N(0, 0.02/sqrt(2L)),
 * biases 0, LayerNorm gains 1. Each tensor draws from its own key (seed, 'init', name), so
 * the values do not depend on the parameter order or on the backend.
 * @example const params = initGpt(gptTiny(), 1234);
 */
export function initGpt(cfg: GptConfig, seed: number, backend?: Backend): ParamStore {
  const params = new ParamStore(gptParamShapes(cfg), backend);
  for (const { name, shape } of params.entries) {
    const dst = params.slice(name);
    if (name.includes('ln_') && name.endsWith('.weight')) dst.fill(1);
    else if (name.endsWith('.bias')) dst.fill(0);
    else {
      const std = name.endsWith('c_proj.weight') ? 0.02 / Math.sqrt(2 * cfg.numLayers) : 0.02;
      dst.set(normal(deriveKey(seed, 'init', name), shape, 0, std).toArray());
    }
  }
  return params;
}

/** x @ W + b for x [..., in], W [in, out], b [out]. */
function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return x.matmul(w).add(b);
}

/**
 * Forward pass: tokens [B, T] (i32) to logits [B, T, V], and the loss when targets are given.
 * @example const { loss } = gptForward(params, cfg, tokens_BT, targets_BT); loss!.backward();
 */
export function gptForward(params: ParamStore, cfg: GptConfig, tokens_BT: Tensor, targets_BT?: Tensor): GptOutput {
  if (tokens_BT.ndim !== 2) throw new ShapeError(`tokens must be [B, T], got ${fmtShape(tokens_BT.shape)}`);
  const [B, T] = tokens_BT.shape as [number, number];
  if (T > cfg.contextLength) throw new ShapeError(`sequence length ${T} exceeds the context length ${cfg.contextLength}`);
  const C = cfg.embedDim;
  const H = cfg.numHeads;
  const D = C / H;
  const p = (name: string): Tensor => params.get(name);

  let x_BTC = gatherRows(p('wte.weight'), tokens_BT).add(p('wpe.weight').slice(0, 0, T));
  for (let l = 0; l < cfg.numLayers; l++) {
    const w = (name: string): Tensor => p(`h.${l}.${name}`);
    // Attention: project to q, k, v, split heads, attend causally, merge heads, project.
    const h_BTC = layerNorm(x_BTC, w('ln_1.weight'), w('ln_1.bias'));
    const qkv_BT3C = linear(h_BTC, w('attn.c_attn.weight'), w('attn.c_attn.bias'));
    const heads = (i: number): Tensor => qkv_BT3C.slice(-1, i * C, (i + 1) * C).reshape([B, T, H, D]).transpose(1, 2);
    const y_BHTD = causalSelfAttention(heads(0), heads(1), heads(2));
    const y_BTC = y_BHTD.transpose(1, 2).reshape([B, T, C]);
    x_BTC = x_BTC.add(linear(y_BTC, w('attn.c_proj.weight'), w('attn.c_proj.bias')));
    // MLP: widen 4x, GELU, project back.
    const m_BTC = layerNorm(x_BTC, w('ln_2.weight'), w('ln_2.bias'));
    const f_BT4C = gelu(linear(m_BTC, w('mlp.c_fc.weight'), w('mlp.c_fc.bias')));
    x_BTC = x_BTC.add(linear(f_BT4C, w('mlp.c_proj.weight'), w('mlp.c_proj.bias')));
  }
  x_BTC = layerNorm(x_BTC, p('ln_f.weight'), p('ln_f.bias'));
  const logits_BTV = x_BTC.matmul(p('wte.weight').transpose());
  const loss = targets_BT === undefined ? null : crossEntropy(logits_BTV, targets_BT);
  return { logits_BTV, loss };
}

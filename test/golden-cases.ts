/**
 * @file The TypeScript side of tools/reference/gen_golden.py: for each PyTorch case, the
 * same computation in Tessera and the tolerances it must meet (relErr of helpers.ts:
 * max|tessera - torch| / max|torch|, per tensor).
 */
import {
  causalSelfAttention, crossEntropy, gatherRows, gelu, layerNorm, logSoftmax, softmax, where, type Tensor,
} from '../src/tensor/index.ts';
import { gptForward, ParamStore, gptParamShapes, type GptConfig } from '../src/nn/index.ts';
import { goldenTensor, loadGolden, relErr } from './helpers.ts';

export interface GoldenCase {
  f: (...xs: Tensor[]) => Tensor;
  /** Tolerance on the output and on every input gradient. */
  tol: number;
}

const EXACT = 1e-7; // one ulp of the largest element (bitwise in practice for these ops)
const ROUNDING = 1e-6; // different but documented reduction orders
const TRANSCENDENTAL = 1e-6; // our f32 decompositions vs PyTorch's (both within a few ulps)

export const GOLDEN_CASES: Record<string, GoldenCase> = {
  add_broadcast: { f: (a, b) => a.add(b), tol: ROUNDING },
  sub_broadcast: { f: (a, b) => a.sub(b), tol: ROUNDING },
  mul_broadcast: { f: (a, b) => a.mul(b), tol: ROUNDING },
  div: { f: (a, b) => a.div(b), tol: EXACT },
  neg: { f: (a) => a.neg(), tol: EXACT },
  exp: { f: (a) => a.exp(), tol: TRANSCENDENTAL },
  log: { f: (a) => a.log(), tol: TRANSCENDENTAL },
  tanh: { f: (a) => a.tanh(), tol: TRANSCENDENTAL },
  sqrt: { f: (a) => a.sqrt(), tol: EXACT },
  rsqrt: { f: (a) => a.rsqrt(), tol: ROUNDING },
  erf: { f: (a) => a.erf(), tol: TRANSCENDENTAL },
  maximum: { f: (a, b) => a.maximum(b), tol: EXACT },
  sum_axes02: { f: (a) => a.sum([0, 2]), tol: ROUNDING },
  sum_all: { f: (a) => a.sum(), tol: ROUNDING },
  mean_last: { f: (a) => a.mean(-1), tol: ROUNDING },
  max_last: { f: (a) => a.max(-1), tol: EXACT },
  matmul_2d: { f: (a, b) => a.matmul(b), tol: ROUNDING },
  matmul_batched: { f: (a, b) => a.matmul(b), tol: ROUNDING },
  matmul_weight: { f: (a, b) => a.matmul(b), tol: ROUNDING },
  matmul_bcast_batch: { f: (a, b) => a.matmul(b), tol: ROUNDING },
  matmul_transposed: { f: (a, b) => a.transpose().matmul(b.transpose()), tol: ROUNDING },
  views: { f: (x, w) => x.permute([2, 0, 1]).slice(1, 1, 4).reshape([5, -1]).mul(w), tol: EXACT },
  expand: { f: (x, w) => x.expand([3, 4, 5]).mul(w), tol: EXACT },
  gather_rows: { f: (t, i) => gatherRows(t, i), tol: EXACT },
  where: { f: (a, b) => where(b.lt(a), a, b.mul(2)), tol: EXACT },
  softmax: { f: (x) => softmax(x), tol: TRANSCENDENTAL },
  log_softmax: { f: (x) => logSoftmax(x), tol: TRANSCENDENTAL },
  cross_entropy: { f: (x, t) => crossEntropy(x, t), tol: TRANSCENDENTAL },
  layer_norm: { f: (x, w, b) => layerNorm(x, w, b), tol: 2e-6 },
  gelu_tanh: { f: (x) => gelu(x), tol: TRANSCENDENTAL },
  attention: { f: (q, k, v) => causalSelfAttention(q, k, v), tol: 2e-6 },
};

/** Extra non-differentiable inputs the TS side builds itself (PyTorch's arange in 'expand'). */
export function extraInputs(name: string, inputs: Tensor[]): Tensor[] {
  if (name !== 'expand') return inputs;
  const ramp = new Float32Array(60).map((_, i) => i);
  return [...inputs, goldenFromArray(ramp, [3, 4, 5])];
}

function goldenFromArray(values: Float32Array, shape: number[]): Tensor {
  return goldenTensor(new Map([['x', { dtype: 'F32', shape, data: values }]]), 'x');
}

export interface CaseErrors {
  name: string;
  tol: number;
  out: number;
  grads: number[];
}

/** Runs one PyTorch case in Tessera and measures the relative errors. */
export function runGoldenCase(tensors: Parameters<typeof goldenTensor>[0], name: string, numInputs: number): CaseErrors {
  const c = GOLDEN_CASES[name];
  if (c === undefined) throw new Error(`golden case '${name}' has no TypeScript counterpart`);
  const inputs = Array.from({ length: numInputs }, (_, i) => {
    const t = goldenTensor(tensors, `${name}.in${i}`);
    return t.dtype === 'f32' ? t.requireGrad() : t;
  });
  const out = c.f(...extraInputs(name, inputs));
  out.backward(goldenTensor(tensors, `${name}.gout`));
  const expected = goldenTensor(tensors, `${name}.out`);
  const grads = inputs.flatMap((t, i) => (t.dtype === 'f32' ? [relErr(t.grad!.toArray(), goldenTensor(tensors, `${name}.grad${i}`).toArray())] : []));
  return { name, tol: c.tol, out: relErr(out.toArray(), expected.toArray()), grads };
}

export interface GptGoldenErrors {
  loss: number;
  lossVsF64: number;
  lossF64VsTorchF32: number;
  logits: number;
  grads: Array<[string, number]>;
}

/** The 2-layer GPT golden: loss, logits and every parameter gradient against PyTorch. */
export function runGptGolden(): GptGoldenErrors {
  const { tensors, metadata } = loadGolden('gpt2l.safetensors');
  const meta = JSON.parse(metadata['config']!) as Record<string, number>;
  const cfg: GptConfig = {
    vocabSize: meta['vocab_size']!, contextLength: meta['context_length']!, numLayers: meta['num_layers']!,
    numHeads: meta['num_heads']!, embedDim: meta['embed_dim']!,
  };
  const params = new ParamStore(gptParamShapes(cfg));
  for (const e of params.entries) params.slice(e.name).set(goldenTensor(tensors, e.name).toArray());
  const { logits_BTV, loss } = gptForward(params, cfg, goldenTensor(tensors, 'input.tokens'), goldenTensor(tensors, 'input.targets'));
  loss!.backward();
  const torchLoss = tensors.get('out.loss')!.data[0]!;
  const f64Loss = tensors.get('out.loss_f64')!.data[0]!;
  return {
    loss: Math.abs(loss!.item() - torchLoss) / Math.abs(torchLoss),
    lossVsF64: Math.abs(loss!.item() - f64Loss) / Math.abs(f64Loss),
    lossF64VsTorchF32: Math.abs(torchLoss - f64Loss) / Math.abs(f64Loss),
    logits: relErr(logits_BTV.toArray(), goldenTensor(tensors, 'out.logits').toArray()),
    grads: params.entries.map((e) => [e.name, relErr(params.get(e.name).grad!.toArray(), goldenTensor(tensors, `grad.${e.name}`).toArray())]),
  };
}

/**
 * @file TensorFlow.js peer of the training-step benchmark: the benchmark's GPT in
 * @tensorflow/tfjs on @tensorflow/tfjs-backend-wasm, gradients by tf.variableGrads and a
 * hand-written AdamW (torch.optim.AdamW semantics; tfjs has none). Prints one JSON line.
 *   npx tsx tools/bench/peers/tfjs-gpt.ts --fixtures .tmp/bench/tiny --threads 1 --warmup 3 --steps 10
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadFixtures, parseArgs, printResult, runSteps } from './common.ts';

const args = parseArgs();
await tf.setBackend('wasm');
await tf.ready();

const fx = loadFixtures(args.fixtures);
const { model, lr, beta1, beta2, eps, weightDecay } = fx.config;
const { B, T, C, H, D, V, names } = fx;

const params = new Map<string, tf.Variable>();
const m = new Map<string, tf.Variable>();
const vs = new Map<string, tf.Variable>();
tf.tidy(() => {
  for (const [name, t] of fx.params) {
    params.set(name, tf.variable(tf.tensor(t.data, t.shape), true, name));
    m.set(name, tf.variable(tf.zeros(t.shape), false));
    vs.set(name, tf.variable(tf.zeros(t.shape), false));
  }
});
function get<X>(map: Map<string, X>, name: string): X {
  const x = map.get(name);
  if (x === undefined) throw new Error(`no parameter ${name}`);
  return x;
}
const p = (name: string): tf.Variable => get(params, name);

// Token embedding as a one-hot matmul: tf.gather's gradient needs UnsortedSegmentSum, which
// the wasm backend lacks. Cross-entropy picks the targets with a one-hot mask too.
const tokensOneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(fx.tokens, 'int32'), V).toFloat()); // [B*T, V]
const targetsOneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(fx.targets, 'int32'), V).toFloat());
const bias = new Float32Array(T * T);
for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) bias[i * T + j] = -Infinity;
const causalBias = tf.tensor2d(bias, [T, T]);

function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(w).add(b);
}

function geluTanh(x: tf.Tensor): tf.Tensor {
  return x.mul(0.5).mul(tf.tanh(x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
}

function lossFn(): tf.Scalar {
  const wte = p('wte.weight');
  let x: tf.Tensor = tf.matMul(tokensOneHot, wte).reshape([B, T, C]).add(p('wpe.weight').slice([0, 0], [T, C])).reshape([B * T, C]);
  const heads = (t: tf.Tensor): tf.Tensor => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // [B, H, T, D]
  for (let l = 0; l < model.numLayers; l++) {
    const w = (n: string): tf.Tensor => p(`h.${l}.${n}`);
    let h = layerNorm(x, w('ln_1.weight'), w('ln_1.bias'));
    const [q, k, v] = tf.split(tf.matMul(h, w('attn.c_attn.weight')).add(w('attn.c_attn.bias')), 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const att = tf.matMul(heads(q), heads(k), false, true).mul(1 / Math.sqrt(D)).add(causalBias); // [B, H, T, T]
    const y = tf.matMul(tf.softmax(att, -1), heads(v)).transpose([0, 2, 1, 3]).reshape([B * T, C]);
    x = x.add(tf.matMul(y, w('attn.c_proj.weight')).add(w('attn.c_proj.bias')));
    h = layerNorm(x, w('ln_2.weight'), w('ln_2.bias'));
    h = geluTanh(tf.matMul(h, w('mlp.c_fc.weight')).add(w('mlp.c_fc.bias')));
    x = x.add(tf.matMul(h, w('mlp.c_proj.weight')).add(w('mlp.c_proj.bias')));
  }
  x = layerNorm(x, p('ln_f.weight'), p('ln_f.bias'));
  const logits = tf.matMul(x, wte, false, true); // [B*T, V], tied head
  return tf.logSoftmax(logits, -1).mul(targetsOneHot).sum().mul(-1 / (B * T));
}

const varList = names.map(p);
const result = await runSteps(args, async (i) => {
  const t = i + 1;
  const stepSize = lr / (1 - beta1 ** t);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const { value, grads } = tf.variableGrads(lossFn, varList);
  tf.tidy(() => {
    for (const name of names) {
      const g = grads[name];
      if (!g) throw new Error(`no gradient for ${name}`);
      const mi = get(m, name);
      const vi = get(vs, name);
      mi.assign(mi.mul(beta1).add(g.mul(1 - beta1)));
      vi.assign(vi.mul(beta2).add(g.square().mul(1 - beta2)));
      const param = p(name);
      param.assign(param.mul(1 - lr * weightDecay).sub(mi.div(vi.sqrt().div(bc2Sqrt).add(eps)).mul(stepSize)));
    }
  });
  tf.dispose(grads);
  const loss = (await value.data())[0]!;
  value.dispose();
  if (i === 0) console.error(`tensors alive after step 0: ${tf.memory().numTensors}`);
  return loss;
});
console.error(`tensors alive at the end: ${tf.memory().numTensors}`);

const threadNote = args.threads === 1 ? '' : ` (--threads ${args.threads} was asked; ran 1)`;
printResult('tfjs', fx, { ...args, threads: 1 }, result, `@tensorflow/tfjs 4.22.0 on tfjs-backend-wasm 4.22.0 (backend '${tf.getBackend()}'); single-threaded: the wasm backend disables threads in Node by design (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE), so it always runs 1 thread${threadNote}; eager ops, no graph compilation; token embedding as one-hot matmul (no UnsortedSegmentSum kernel for tf.gather's gradient); attention with matmuls + additive -inf causal mask; hand-written AdamW`);

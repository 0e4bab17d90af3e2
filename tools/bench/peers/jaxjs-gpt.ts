/**
 * @file jax-js peer of the training-step benchmark: the benchmark's GPT in @jax-js/jax on its
 * wasm backend, the whole training step (valueAndGrad + a hand-written AdamW with
 * torch.optim.AdamW semantics) under one jit. Prints one JSON line to stdout.
 *   npx tsx tools/bench/peers/jaxjs-gpt.ts --fixtures .tmp/bench/tiny --threads 1 --warmup 3 --steps 10
 * jax-js arrays are reference counted: every use of an array consumes one reference, `.ref`
 * adds one (see node_modules/@jax-js/jax/README.md).
 */
import type { Array as JArray } from '@jax-js/jax';
import { loadFixtures, parseArgs, printResult, runSteps } from './common.ts';
import { installNodeWebWorker, terminateNodeWebWorkers } from './node-web-worker.ts';

const args = parseArgs();
// With more than one thread, give jax-js a worker pool of `threads` workers (the main thread
// only dispatches); this must happen before the import, which creates the wasm backend.
if (args.threads > 1) installNodeWebWorker(args.threads);
const { jit, numpy: np, nn, tree, valueAndGrad, blockUntilReady } = await import('@jax-js/jax');

const fx = loadFixtures(args.fixtures);
const { model, lr, beta1, beta2, eps, weightDecay } = fx.config;
const { B, T, C, H, D, V, names } = fx;

type Params = Record<string, JArray>;

function take(p: Params, name: string): JArray {
  const a = p[name];
  if (!a) throw new Error(`no parameter ${name}`);
  return a;
}

function layerNorm(x: JArray, w: JArray, b: JArray): JArray {
  const xc = x.ref.sub(np.mean(x, -1, { keepdims: true }));
  const variance = np.mean(np.square(xc.ref), -1, { keepdims: true });
  return xc.div(np.sqrt(variance.add(1e-5))).mul(w).add(b);
}

function geluTanh(x: JArray): JArray {
  const inner = x.ref.add(x.ref.mul(x.ref).mul(x.ref).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(np.tanh(inner).add(1));
}

/** Mean cross-entropy of the model on one batch. x is kept as [B*T, C]. */
function lossFn(p: Params, tokensOneHot: JArray, targetsOneHot: JArray, causalBias: JArray): JArray {
  const wte = take(p, 'wte.weight');
  // Embedding as a one-hot matmul: the gradient of np.take is a scatter, which jit rejects
  // ('routine primitive scatter input is not imm').
  const tok = np.matmul(tokensOneHot, wte.ref); // [B*T, C]
  const pos = take(p, 'wpe.weight').slice([0, T]); // [T, C]
  let x = tok.reshape([B, T, C]).add(pos).reshape([B * T, C]);
  const heads = (t: JArray): JArray => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // [B, H, T, D]
  for (let l = 0; l < model.numLayers; l++) {
    const w = (n: string): JArray => take(p, `h.${l}.${n}`);
    let h = layerNorm(x.ref, w('ln_1.weight'), w('ln_1.bias'));
    const qkv = np.matmul(h, w('attn.c_attn.weight')).add(w('attn.c_attn.bias')); // [B*T, 3C]
    const [q, k, v] = np.split(qkv, 3, -1) as [JArray, JArray, JArray];
    const att = np.matmul(heads(q), heads(k).transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(D)).add(causalBias.ref); // [B, H, T, T]
    const y = np.matmul(nn.softmax(att, -1), heads(v)).transpose([0, 2, 1, 3]).reshape([B * T, C]);
    x = x.add(np.matmul(y, w('attn.c_proj.weight')).add(w('attn.c_proj.bias')));
    h = layerNorm(x.ref, w('ln_2.weight'), w('ln_2.bias'));
    h = geluTanh(np.matmul(h, w('mlp.c_fc.weight')).add(w('mlp.c_fc.bias')));
    x = x.add(np.matmul(h, w('mlp.c_proj.weight')).add(w('mlp.c_proj.bias')));
  }
  causalBias.dispose();
  x = layerNorm(x, take(p, 'ln_f.weight'), take(p, 'ln_f.bias'));
  const logits = np.matmul(x, wte.transpose([1, 0])); // [B*T, V], tied head
  return nn.logSoftmax(logits, -1).mul(targetsOneHot).sum().mul(-1 / (B * T));
}

/** One training step: loss and gradients, then torch.optim.AdamW's update (decoupled weight
 * decay on every parameter). stepSize = lr / (1 - beta1^t), bc2Sqrt = sqrt(1 - beta2^t). */
const trainStep = jit((p: Params, m: Params, v: Params, tokensOneHot: JArray, targetsOneHot: JArray, causalBias: JArray, stepSize: JArray, bc2Sqrt: JArray) => {
  const [loss, grads] = valueAndGrad(lossFn)(tree.ref(p), tokensOneHot, targetsOneHot, causalBias);
  const np2: Params = {};
  const nm: Params = {};
  const nv: Params = {};
  for (const name of names) {
    const g = take(grads, name);
    const mi = take(m, name).mul(beta1).add(g.ref.mul(1 - beta1));
    const vi = take(v, name).mul(beta2).add(np.square(g).mul(1 - beta2));
    const denom = np.sqrt(vi.ref).div(bc2Sqrt.ref).add(eps);
    np2[name] = take(p, name).mul(1 - lr * weightDecay).sub(mi.ref.div(denom).mul(stepSize.ref));
    nm[name] = mi;
    nv[name] = vi;
  }
  stepSize.dispose();
  bc2Sqrt.dispose();
  return [loss, np2, nm, nv] as [JArray, Params, Params, Params];
});

let params: Params = {};
let m: Params = {};
let v: Params = {};
for (const [name, t] of fx.params) {
  params[name] = np.array(t.data, { shape: t.shape });
  m[name] = np.zeros(t.shape);
  v[name] = np.zeros(t.shape);
}
function oneHot(ids: Int32Array): JArray {
  const data = new Float32Array(ids.length * V);
  ids.forEach((id, i) => (data[i * V + id] = 1));
  return np.array(data, { shape: [ids.length, V] });
}
const tokensOneHot = oneHot(fx.tokens);
const targetsOneHot = oneHot(fx.targets);
const bias = new Float32Array(T * T);
for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) bias[i * T + j] = -Infinity;
const causalBias = np.array(bias, { shape: [T, T] });

const result = await runSteps(args, async (i) => {
  const t = i + 1;
  const stepSize = np.array([lr / (1 - beta1 ** t)], { shape: [] });
  const bc2Sqrt = np.array([Math.sqrt(1 - beta2 ** t)], { shape: [] });
  const [loss, p2, m2, v2] = trainStep(params, m, v, tokensOneHot.ref, targetsOneHot.ref, causalBias.ref, stepSize, bc2Sqrt);
  [params, m, v] = [p2, m2, v2];
  await blockUntilReady([params, m, v]);
  return (await loss.data())[0]!;
});

const threadNote = args.threads > 1
  ? `wasm backend with a pool of ${args.threads} worker_threads behind a Web-Worker shim (node-web-worker.ts); the main thread only dispatches`
  : 'wasm backend, single-threaded (no worker pool)';
printResult('jax-js', fx, args, result, `@jax-js/jax 0.1.25, ${threadNote}; whole step jitted; token embedding as one-hot matmul (jit rejects the scatter in np.take's gradient); attention with matmuls + additive -inf causal mask; cross-entropy as log-softmax times one-hot targets; hand-written AdamW`);
await terminateNodeWebWorkers();

/**
 * @packageDocumentation
 * The tensor layer: tensors, primitive ops, composites, autograd, randomness, hashing.
 *
 * @example
 * import { tensor, crossEntropy } from './tensor/index.ts';
 * const logits = tensor([[2, 0.5, -1]]).requireGrad();
 * const loss = crossEntropy(logits, tensor(new Int32Array([0]), [1]));
 * loss.backward(); // logits.grad now holds softmax - onehot
 */
import { setDefaultBackendFactory } from './tensor.ts';
import { createNodeWasmBackend } from './backend/wasm/node.ts';

// In Node the wasm backend (all cores) is the default; set another with setDefaultBackend.
setDefaultBackendFactory(() => createNodeWasmBackend());

export { Tensor, getDefaultBackend, setDefaultBackend, setDefaultBackendFactory, type TensorLike } from './tensor.ts';
export { tidy } from './scope.ts';
export { createNodeWasmBackend, loadKernelModule, type NodeWasmBackendOptions } from './backend/wasm/node.ts';
export type { WasmBackend } from './backend/wasm/wasm-backend.ts';
export { DisposedBufferError } from './backend/wasm/memory.ts';
export type { Backend, View, UnaryOp, BinaryOp, ReduceOp } from './backend/backend.ts';
export { referenceBackend } from './backend/reference.ts';
export type { DType, Storage } from './dtype.ts';
export type { Shape } from './shape.ts';
export { numel, broadcastShapes, fmtShape } from './shape.ts';
export * from './errors.ts';
export { noGrad, isGradEnabled } from './autograd.ts';
export { tensor, scalar, full, zeros, ones, fullLike, arange, causalMask, type CreateOptions } from './ops/creation.ts';
export { add, sub, mul, div, maximum, lt, eq, where, neg, exp, log, tanh, sqrt, rsqrt, erf } from './ops/elementwise.ts';
export { sum, mean, max, sumToShape } from './ops/reduce.ts';
export { matmul } from './ops/matmul.ts';
export { reshape, permute, transpose, slice, expand, contiguous, clone } from './ops/movement.ts';
export { gatherRows, pick } from './ops/gather.ts';
export { softmax, logSoftmax, causalSoftmax } from './composite/softmax.ts';
export { crossEntropy } from './composite/loss.ts';
export { layerNorm } from './composite/layer-norm.ts';
export { gelu } from './composite/gelu.ts';
export { causalSelfAttention } from './composite/attention.ts';
export { philox4x32, deriveKey, randomBits, uniform, normal, type PrngKey } from './random.ts';
export { canonicalBytes, hashTensor, hashTensors } from './hash.ts';

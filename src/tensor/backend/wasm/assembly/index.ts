// The kernel module: every export is a kernel entry `(tid, nt, argsAddr, scratchAddr)`.
// Build: npm run build:wasm (AssemblyScript, --enable simd, never relaxed-simd).
export { k_copy } from './copy';
export { k_unary, k_binary, k_where } from './elementwise';
export { k_reduce } from './reduce';
export { k_matmul } from './matmul';
export { k_gather, k_scatter_add } from './gather';
export {
  k_softmax, k_softmax_backward, k_causal_softmax, k_causal_softmax_backward, k_log_softmax, k_log_softmax_backward, k_cross_entropy,
  k_cross_entropy_backward, k_layer_norm, k_layer_norm_backward, k_gelu, k_gelu_backward,
} from './fused';
export { k_peak, k_clock } from './peak';

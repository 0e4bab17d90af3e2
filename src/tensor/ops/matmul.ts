/**
 * @file Matrix multiplication, batched with broadcasting over leading dims.
 *
 * Order: every output element accumulates sequentially over k from +0, one rounding per
 * multiply and per add (backend.ts). `x[..., K] @ w[K, N]` is computed as one 2-D matmul
 * over the flattened leading dims, as PyTorch does, so the weight gradient sums over all
 * rows in one sequential k-loop.
 */
import { record } from '../autograd.ts';
import { expectDType } from '../dtype.ts';
import { ShapeError } from '../errors.ts';
import { broadcastShapes, fmtShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { empty } from './creation.ts';
import { broadcastView, checkSameBackend } from './elementwise.ts';
import { sumToShape } from './reduce.ts';

/**
 * a [..., M, K] @ b [..., K, N] -> [..., M, N].
 * @example q_BHTD.matmul(k_BHTD.transpose()) // att_BHTT
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkSameBackend('matmul', a, b);
  expectDType('matmul left operand', a.dtype, 'f32');
  expectDType('matmul right operand', b.dtype, 'f32');
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(`cannot matmul ${fmtShape(a.shape)} and ${fmtShape(b.shape)}: both need at least 2 dims`);
  }
  const [M, K] = a.shape.slice(-2) as [number, number];
  const [K2, N] = b.shape.slice(-2) as [number, number];
  if (K !== K2) throw new ShapeError(`cannot matmul ${fmtShape(a.shape)} and ${fmtShape(b.shape)}: inner dims ${K} != ${K2}`);
  if (b.ndim === 2 && a.ndim > 2) {
    const lead = a.shape.slice(0, -2);
    return matmul(a.reshape([-1, K]), b).reshape([...lead, M, N]);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, M, N];
  const out = empty(shape, { backend: a.backend });
  a.backend.matmul(out.data as Float32Array, broadcastView(a, [...batch, M, K]), broadcastView(b, [...batch, K, N]));
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumToShape(matmul(g, b.transpose()), a.shape) : null,
    b.requiresGrad ? sumToShape(matmul(a.transpose(), g), b.shape) : null,
  ]);
}

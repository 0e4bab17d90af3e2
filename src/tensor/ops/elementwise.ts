/**
 * @file Elementwise ops with NumPy broadcasting, and their gradients.
 * Each output element is one call of the backend's scalar function (one rounding), so the
 * result does not depend on shapes, strides or thread counts.
 */
import { record } from '../autograd.ts';
import type { BinaryOp, UnaryOp, View } from '../backend/backend.ts';
import { expectDType } from '../dtype.ts';
import { BackendError } from '../errors.ts';
import { broadcastShapes, type Shape } from '../shape.ts';
import { Tensor, type TensorLike } from '../tensor.ts';
import { empty, scalar } from './creation.ts';
import { sumToShape } from './reduce.ts';

const INV_SQRT_PI_TIMES_2 = Math.fround(2 / Math.sqrt(Math.PI));

/** `x` seen with the strides of `shape` (stride 0 on broadcast axes). No tape. */
export function broadcastView(x: Tensor, shape: Shape): View {
  const lead = shape.length - x.ndim;
  const strides = shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : x.strides[i - lead]!));
  return { data: x.data, shape, strides, offset: x.offset };
}

/** Turns a JS number into a 0-d tensor matching `like`. */
export function asTensor(value: TensorLike, like: Tensor): Tensor {
  return typeof value === 'number' ? scalar(value, { dtype: like.dtype, backend: like.backend }) : value;
}

export function checkSameBackend(op: string, ...ts: Tensor[]): void {
  const first = ts[0]!.backend;
  for (const t of ts) {
    if (t.backend !== first) throw new BackendError(`${op}: operands live on backends ${first.name} and ${t.backend.name}`);
  }
}

function unary(op: UnaryOp, x: Tensor, grad: (g: Tensor, out: Tensor) => Tensor): Tensor {
  expectDType(op, x.dtype, 'f32');
  const out = empty(x.shape, { backend: x.backend });
  x.backend.unary(op, out.data as Float32Array, x);
  return record(out, op, [x], (g) => [grad(g, out)]);
}

function binary(op: BinaryOp, aLike: TensorLike, bLike: TensorLike): { out: Tensor; a: Tensor; b: Tensor } {
  const a = typeof aLike === 'number' ? asTensor(aLike, bLike as Tensor) : aLike;
  const b = asTensor(bLike, a);
  checkSameBackend(op, a, b);
  expectDType(`${op} right operand`, b.dtype, a.dtype);
  if (op === 'div' || op === 'max') expectDType(op, a.dtype, 'f32');
  const shape = broadcastShapes(a.shape, b.shape);
  const out = empty(shape, { dtype: a.dtype, backend: a.backend });
  a.backend.binary(op, out.data, broadcastView(a, shape), broadcastView(b, shape));
  return { out, a, b };
}

export function add(aLike: TensorLike, bLike: TensorLike): Tensor {
  const { out, a, b } = binary('add', aLike, bLike);
  return record(out, 'add', [a, b], (g) => [a.requiresGrad ? sumToShape(g, a.shape) : null, b.requiresGrad ? sumToShape(g, b.shape) : null]);
}

export function sub(aLike: TensorLike, bLike: TensorLike): Tensor {
  const { out, a, b } = binary('sub', aLike, bLike);
  return record(out, 'sub', [a, b], (g) => [a.requiresGrad ? sumToShape(g, a.shape) : null, b.requiresGrad ? sumToShape(g.neg(), b.shape) : null]);
}

export function mul(aLike: TensorLike, bLike: TensorLike): Tensor {
  const { out, a, b } = binary('mul', aLike, bLike);
  return record(out, 'mul', [a, b], (g) => [a.requiresGrad ? sumToShape(g.mul(b), a.shape) : null, b.requiresGrad ? sumToShape(g.mul(a), b.shape) : null]);
}

/** a / b; d/da = g / b, d/db = -(g * out) / b. */
export function div(aLike: TensorLike, bLike: TensorLike): Tensor {
  const { out, a, b } = binary('div', aLike, bLike);
  return record(out, 'div', [a, b], (g) => [
    a.requiresGrad ? sumToShape(g.div(b), a.shape) : null,
    b.requiresGrad ? sumToShape(g.mul(out).div(b).neg(), b.shape) : null,
  ]);
}

/** Elementwise maximum (NaN-propagating); the gradient goes to `a` where a >= b, else to `b`. */
export function maximum(aLike: TensorLike, bLike: TensorLike): Tensor {
  const { out, a, b } = binary('max', aLike, bLike);
  return record(out, 'maximum', [a, b], (g) => {
    const bWins = a.lt(b);
    return [a.requiresGrad ? sumToShape(where(bWins, 0, g), a.shape) : null, b.requiresGrad ? sumToShape(where(bWins, g, 0), b.shape) : null];
  });
}

/** 1 where a < b, else 0 (same dtype as the operands). Not differentiable. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return binary('lt', a, b).out;
}

/** 1 where a == b, else 0 (same dtype as the operands). Not differentiable. */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return binary('eq', a, b).out;
}

/**
 * Picks `a` where `cond` is non-zero, else `b`; broadcasts all three.
 * @example where(causalMask(T), att_BHTT, -Infinity)
 */
export function where(cond: Tensor, aLike: TensorLike, bLike: TensorLike): Tensor {
  // Two plain numbers give an f32 result; otherwise numbers take the tensor operand's dtype.
  const a = typeof aLike !== 'number' ? aLike : typeof bLike !== 'number' ? asTensor(aLike, bLike) : scalar(aLike, { backend: cond.backend });
  const b = asTensor(bLike, a);
  checkSameBackend('where', cond, a, b);
  expectDType('where right operand', b.dtype, a.dtype);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape), b.shape);
  const out = empty(shape, { dtype: a.dtype, backend: a.backend });
  a.backend.where(out.data, broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape));
  return record(out, 'where', [cond, a, b], (g) => [
    null,
    a.requiresGrad ? sumToShape(where(cond, g, 0), a.shape) : null,
    b.requiresGrad ? sumToShape(where(cond, 0, g), b.shape) : null,
  ]);
}

export function neg(x: Tensor): Tensor {
  if (x.dtype === 'i32') return sub(0, x);
  return unary('neg', x, (g) => g.neg());
}

export function exp(x: Tensor): Tensor {
  return unary('exp', x, (g, out) => g.mul(out));
}

export function log(x: Tensor): Tensor {
  return unary('log', x, (g) => g.div(x));
}

/** d tanh = 1 - tanh^2. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, (g, out) => g.mul(sub(1, out.mul(out))));
}

/** d sqrt = 0.5 / sqrt(x). */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, (g, out) => g.mul(0.5).div(out));
}

/** rsqrt(x) = 1/sqrt(x); d rsqrt = -0.5 * rsqrt(x)^3. */
export function rsqrt(x: Tensor): Tensor {
  return unary('rsqrt', x, (g, out) => g.mul(out.mul(out).mul(out).mul(-0.5)));
}

/** d erf = 2/sqrt(pi) * exp(-x^2). */
export function erf(x: Tensor): Tensor {
  return unary('erf', x, (g) => g.mul(x.mul(x).neg().exp().mul(INV_SQRT_PI_TIMES_2)));
}

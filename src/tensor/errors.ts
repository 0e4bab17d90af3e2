/**
 * @file Named errors of the tensor layer. Callers branch on `err.name` (it survives
 * duplicated bundles), and every message carries the offending values.
 */

/** A shape does not fit the operation, e.g. `cannot matmul [2,3] and [4,5]`. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** An operand has a dtype the operation does not accept. */
export class DTypeError extends Error {
  override readonly name = 'DTypeError';
}

/** An index (axis, slice bound, gather index) lies outside its valid range. */
export class IndexOutOfRangeError extends Error {
  override readonly name = 'IndexOutOfRangeError';
}

/** Tensors from different backends were combined, or a backend lacks a feature. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

/** Autograd was used wrongly, e.g. `backward()` on a non-scalar without a gradient. */
export class GradError extends Error {
  override readonly name = 'GradError';
}

/** A broken internal invariant: a bug in Tessera, never a user error. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function invariant(cond: boolean, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}

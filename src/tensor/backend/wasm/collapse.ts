/**
 * @file Shape simplification before a strided kernel call: size-1 axes are dropped and
 * neighbouring axes merged wherever every operand walks them as one, so a dense tensor
 * becomes one long row and a transposed one two axes. Kernels accept at most MAX_DIMS.
 */
import { BackendError } from '../../errors.ts';

export const MAX_DIMS = 8;

export interface Collapsed {
  shape: number[];
  /** Strides per operand, in the order given. */
  strides: number[][];
}

export function collapse(shape: readonly number[], operands: ReadonlyArray<readonly number[]>): Collapsed {
  const axes = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const outShape: number[] = [];
  const outStrides: number[][] = operands.map(() => []);
  for (const axis of axes) {
    const last = outShape.length - 1;
    const mergeable = last >= 0 && operands.every((s, k) => outStrides[k]![last] === s[axis]! * shape[axis]!);
    if (mergeable) {
      outShape[last] = outShape[last]! * shape[axis]!;
      operands.forEach((s, k) => (outStrides[k]![last] = s[axis]!));
    } else {
      outShape.push(shape[axis]!);
      operands.forEach((s, k) => outStrides[k]!.push(s[axis]!));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: operands.map(() => [0]) };
  if (outShape.length > MAX_DIMS) throw new BackendError(`wasm backend: ${outShape.length} non-mergeable axes (at most ${MAX_DIMS})`);
  return { shape: outShape, strides: outStrides };
}

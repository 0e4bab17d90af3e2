/**
 * @file Strided-view helpers shared by CPU backends: the element offsets of a view in
 * row-major order of its shape.
 */
import { numel } from '../shape.ts';
import type { View } from './backend.ts';

/** True when the view's elements are consecutive in memory in row-major order. */
export function isDense(view: View): boolean {
  let expected = 1;
  for (let i = view.shape.length - 1; i >= 0; i--) {
    const d = view.shape[i]!;
    if (d !== 1 && view.strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Offsets of every element of the view, in row-major order of its shape (an odometer:
 * the last axis moves fastest). Dense views take a shortcut.
 */
export function elementOffsets(view: View): Int32Array {
  const n = numel(view.shape);
  const offsets = new Int32Array(n);
  if (isDense(view)) {
    for (let i = 0; i < n; i++) offsets[i] = view.offset + i;
    return offsets;
  }
  const ndim = view.shape.length;
  const counter = new Array<number>(ndim).fill(0);
  let offset = view.offset;
  for (let i = 0; i < n; i++) {
    offsets[i] = offset;
    for (let axis = ndim - 1; axis >= 0; axis--) {
      counter[axis]!++;
      offset += view.strides[axis]!;
      if (counter[axis]! < view.shape[axis]!) break;
      offset -= counter[axis]! * view.strides[axis]!;
      counter[axis] = 0;
    }
  }
  return offsets;
}

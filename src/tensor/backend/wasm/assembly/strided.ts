// Strided iteration. A view is described by a byte address of its first element and
// per-axis element strides; shapes have at most MAX_DIMS axes after the JS side has merged
// contiguous axes and dropped size-1 axes. The last axis is the "inner" loop; the others
// are walked as rows, each thread taking a contiguous range of rows.

export const MAX_DIMS = 8;

/**
 * Byte offset of row `row` (a multi-index over axes 0..ndim-2, row-major) for a view with
 * element strides at `strides`; `shape` holds the axis sizes.
 */
export function rowOffset(row: i32, ndim: i32, shape: usize, strides: usize): usize {
  let off: usize = 0;
  for (let axis = ndim - 2; axis >= 0; axis--) {
    const d = load<i32>(shape + (<usize>axis << 2));
    const idx = row % d;
    row /= d;
    off += <usize>(idx * load<i32>(strides + (<usize>axis << 2))) << 2;
  }
  return off;
}

/** Number of rows (product of all axes but the last) and inner length of a shape. */
export function rowCount(ndim: i32, shape: usize): i32 {
  let rows = 1;
  for (let axis = 0; axis < ndim - 1; axis++) rows *= load<i32>(shape + (<usize>axis << 2));
  return rows;
}

// @ts-ignore: decorator
@inline export function innerLen(ndim: i32, shape: usize): i32 {
  return load<i32>(shape + (<usize>(ndim - 1) << 2));
}

// @ts-ignore: decorator
@inline export function innerStride(ndim: i32, strides: usize): i32 {
  return load<i32>(strides + (<usize>(ndim - 1) << 2));
}

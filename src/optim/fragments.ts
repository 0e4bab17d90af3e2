/**
 * @file Streaming DiLoCo's fragments: the parameter vector split into P groups of transformer
 * blocks, strided (block l goes to fragment l mod P, the paper's default pattern), each
 * synchronised at its own offset so that only 1/P of the model is on the wire at a time.
 */
import type { ParamEntry } from '../nn/index.ts';
import { numel } from '../tensor/index.ts';

/** One fragment: element ranges [start, end) of the flat parameter vector, ascending. */
export interface Fragment {
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly size: number;
}

const BLOCK = /^h\.(\d+)\./;

/**
 * Split parameters into `count` strided fragments. Tensors outside the blocks (embeddings,
 * final norm) go, largest first, to whichever fragment is smallest at that point, so the
 * fragments stay close in size (peak bandwidth is set by the largest one).
 * @example const frags = stridedFragments(params.entries, 2); // blocks 0,2,.. and 1,3,..
 */
export function stridedFragments(entries: readonly ParamEntry[], count: number): Fragment[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`fragment count must be a positive integer, got ${count}`);
  const members: ParamEntry[][] = Array.from({ length: count }, () => []);
  const sizes = new Array<number>(count).fill(0);
  const loose: ParamEntry[] = [];
  for (const e of entries) {
    const m = BLOCK.exec(e.name);
    if (m === null) { loose.push(e); continue; }
    const p = Number(m[1]) % count;
    members[p]!.push(e);
    sizes[p]! += numel(e.shape);
  }
  if (count > 1 && members.some((m) => m.length === 0)) throw new RangeError(`cannot split into ${count} fragments: fewer transformer blocks than fragments`);
  for (const e of [...loose].sort((a, b) => numel(b.shape) - numel(a.shape) || a.offset - b.offset)) {
    const p = sizes.indexOf(Math.min(...sizes));
    members[p]!.push(e);
    sizes[p]! += numel(e.shape);
  }
  return members.map((list) => {
    const ranges = list.map((e) => [e.offset, e.offset + numel(e.shape)] as const).sort((a, b) => a[0] - b[0]);
    return { ranges, size: ranges.reduce((s, [a, b]) => s + b - a, 0) };
  });
}

/** The whole vector as one fragment (plain DiLoCo). */
export function wholeFragment(size: number): Fragment {
  return { ranges: [[0, size]], size };
}

/** Copy a fragment's elements out of `full` into a packed vector. */
export function gatherFragment(full: Float32Array, frag: Fragment, out = new Float32Array(frag.size)): Float32Array {
  let o = 0;
  for (const [a, b] of frag.ranges) { out.set(full.subarray(a, b), o); o += b - a; }
  return out;
}

/** Write a packed fragment vector back into `full`. */
export function scatterFragment(full: Float32Array, frag: Fragment, packed: Float32Array): void {
  let o = 0;
  for (const [a, b] of frag.ranges) { full.set(packed.subarray(o, o + b - a), a); o += b - a; }
}

/** Shapes of the tensors in a fragment, in packed order (what a layout-aware codec needs). */
export function fragmentShapes(entries: readonly ParamEntry[], frag: Fragment): number[][] {
  const inside = (e: ParamEntry): boolean => frag.ranges.some(([a, b]) => e.offset >= a && e.offset + numel(e.shape) <= b);
  return entries.filter(inside).sort((a, b) => a.offset - b.offset).map((e) => [...e.shape]);
}

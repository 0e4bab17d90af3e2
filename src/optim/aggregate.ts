/**
 * @file Combining contributions (gradients or pseudo-gradients) from several workers.
 *
 * Every function takes the contributions in canonical order (the caller sorts them, by peer
 * id in a real run) and reduces in that order with f32 rounding, so every participant that
 * holds the same contributions computes the same bits. Robust options are for untrusted
 * settings: clipping every contribution to the median norm bounds what one peer can move the
 * model (Templar), and a coordinate-wise trimmed mean ignores the extreme values per element.
 */
const f = Math.fround;

export type AggregationRule =
  | { readonly kind: 'mean' }
  | { readonly kind: 'median-norm-clip' }
  | { readonly kind: 'trimmed-mean'; readonly trim: number };

function checkSizes(contributions: readonly Float32Array[]): number {
  if (contributions.length === 0) throw new RangeError('aggregate: no contributions');
  const n = contributions[0]!.length;
  for (const c of contributions) if (c.length !== n) throw new RangeError(`aggregate: contribution sizes differ (${n} vs ${c.length})`);
  return n;
}

/**
 * Element-wise mean: sum in the given order, then divide by the count, each op rounded to f32.
 * @example const mean = meanOf([deltaA, deltaB]);
 */
export function meanOf(contributions: readonly Float32Array[], out?: Float32Array): Float32Array {
  const n = checkSizes(contributions);
  const acc = out ?? new Float32Array(n);
  acc.set(contributions[0]!);
  for (let c = 1; c < contributions.length; c++) {
    const x = contributions[c]!;
    for (let i = 0; i < n; i++) acc[i] = f(acc[i]! + x[i]!);
  }
  const k = f(contributions.length);
  for (let i = 0; i < n; i++) acc[i] = f(acc[i]! / k);
  return acc;
}

/** The L2 norm of `x`, accumulated in f64 in index order (a deterministic statistic, not hashed). */
export function l2Norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/**
 * Scale every contribution whose norm exceeds the median norm down to it, then average.
 * The median of an even count is the lower middle value (no averaging: one input decides it).
 * @example const robust = medianNormClipMean([a, b, c]);
 */
export function medianNormClipMean(contributions: readonly Float32Array[]): Float32Array {
  checkSizes(contributions);
  const norms = contributions.map(l2Norm);
  const sorted = [...norms].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const clipped = contributions.map((c, i) => {
    const norm = norms[i]!;
    if (!(norm > median)) return c;
    const scale = f(median / norm);
    return c.map((v) => f(v * scale));
  });
  return meanOf(clipped);
}

/**
 * Coordinate-wise trimmed mean: per element, drop the floor(trim * k) largest and smallest
 * values and average the rest (in ascending value order, so the result does not depend on
 * which worker sent which value).
 * @example const robust = trimmedMean([a, b, c, d, e], 0.2); // drops 1 low and 1 high per element
 */
export function trimmedMean(contributions: readonly Float32Array[], trim: number): Float32Array {
  const n = checkSizes(contributions);
  const k = contributions.length;
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trimmedMean: trim must be in [0, 0.5), got ${trim}`);
  const drop = Math.floor(trim * k);
  const keep = k - 2 * drop;
  const out = new Float32Array(n);
  const column = new Float32Array(k);
  const count = f(keep);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) column[c] = contributions[c]![i]!;
    column.sort();
    let s = 0;
    for (let c = drop; c < drop + keep; c++) s = f(s + column[c]!);
    out[i] = f(s / count);
  }
  return out;
}

/**
 * Apply an aggregation rule.
 * @example aggregate(deltas, { kind: 'trimmed-mean', trim: 0.25 })
 */
export function aggregate(contributions: readonly Float32Array[], rule: AggregationRule = { kind: 'mean' }): Float32Array {
  switch (rule.kind) {
    case 'mean': return meanOf(contributions);
    case 'median-norm-clip': return medianNormClipMean(contributions);
    case 'trimmed-mean': return trimmedMean(contributions, rule.trim);
  }
}

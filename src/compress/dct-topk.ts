/**
 * @file dct-topk: DeMo / Templar compression. Each tensor of the flat vector is cut into
 * DCT blocks (dct.ts), and per block only the k coefficients of largest magnitude travel:
 * their indices bit-packed, their values as int8 with one f32 scale per block.
 *
 * Body (after the 8-byte header, param = k), tensor after tensor in `shapes` order, block
 * after block in block-major order (dct.ts), each block of bs coefficients as
 *   4 bytes          scale, f32 LE, finite, sign bit clear (max|kept value| / 127)
 *   ceil(k'*b/8) B   the k' kept indices, strictly increasing, each b = ceil(log2 bs) bits,
 *                    packed LSB-first (index i holds stream bits i*b .. i*b+b-1; stream bit
 *                    p is bit p%8 of byte p>>3; Templar's 12-bit packing for bs = 4096);
 *                    the padding bits up to the byte boundary are zero
 *   k' bytes         the values, int8 in index order, in [-127, 127]; value = q * scale
 * with k' = min(k, bs). Hence
 *   byteLength = 8 + sum over tensors of nBlocks * (4 + ceil(k' * b / 8) + k').
 * Selection is deterministic: largest |coefficient| first, ties to the lower index.
 */
import { checkDecodedFinite, checkFinite, checkSize, CodecError, HEADER_BYTES, readHeader, writeHeader, type Codec } from './codec.ts';
import { dctBlocks, dctLayout, fromBlockMajor, idctBlocks, toBlockMajor, type DctLayout } from './dct.ts';
import { f } from '../tensor/math/f32.ts';
import { getDefaultBackend, type Backend } from '../tensor/index.ts';

export interface DctTopKOptions {
  /** Shapes of the tensors that make up the flat vector, in order (e.g. gptParamShapes). */
  readonly shapes: readonly (readonly number[])[];
  /** Coefficients kept per block, an integer in [1, 65535]; clamped to each block's size. */
  readonly k: number;
  /** Backend that runs the transforms (default: the default backend when called). */
  readonly backend?: Backend;
}

/** One tensor's place in the vector and its block geometry. */
interface Plan {
  readonly offset: number;
  readonly layout: DctLayout;
  readonly numel: number;
  readonly bs: number; // coefficients per block
  readonly blocks: number;
  readonly kept: number; // k' = min(k, bs)
  readonly bits: number; // bits per index
  readonly idxBytes: number;
  readonly blockBytes: number;
  readonly group: number; // tensors with the same block shape are transformed together
  readonly groupOffset: number; // where this tensor's blocks start in its group's buffer
}

/** All tensors cut into s1 x s2 blocks: one pair of matmuls for all of them. */
interface Group {
  readonly s1: number;
  readonly s2: number;
  size: number;
  readonly members: Plan[];
}

function bitsFor(bs: number): number {
  let b = 0;
  while (2 ** b < bs) b++;
  return b;
}

function plan(shapes: readonly (readonly number[])[], k: number): { plans: Plan[]; groups: Group[]; total: number; bytes: number } {
  if (!Number.isInteger(k) || k < 1 || k > 0xffff) throw new RangeError(`dct-topk: k must be an integer in [1, 65535], got ${k}`);
  const plans: Plan[] = [];
  const groups: Group[] = [];
  let total = 0;
  let bytes = HEADER_BYTES;
  for (const shape of shapes) {
    const layout = dctLayout(shape);
    const numel = layout.rows * layout.cols;
    const bs = layout.s1 * layout.s2;
    const blocks = numel / bs;
    const kept = Math.min(k, bs);
    const bits = bitsFor(bs);
    const idxBytes = Math.ceil((kept * bits) / 8);
    const blockBytes = 4 + idxBytes + kept;
    let group = groups.findIndex((g) => g.s1 === layout.s1 && g.s2 === layout.s2);
    if (group < 0) group = groups.push({ s1: layout.s1, s2: layout.s2, size: 0, members: [] }) - 1;
    const g = groups[group]!;
    const p: Plan = { offset: total, layout, numel, bs, blocks, kept, bits, idxBytes, blockBytes, group, groupOffset: g.size };
    g.members.push(p);
    g.size += numel;
    plans.push(p);
    total += numel;
    bytes += blocks * blockBytes;
  }
  if (total > 0xffffffff) throw new RangeError(`dct-topk: ${total} values do not fit the u32 header field`);
  return { plans, groups, total, bytes };
}

/**
 * Fraction of the coefficients a dct-topk payload keeps: sum of min(k, bs) per block over
 * the element count.
 * @example dctTopKDensity([[256, 128]], 32) // 32 / 4096 = 0.0078125
 */
export function dctTopKDensity(shapes: readonly (readonly number[])[], k: number): number {
  const { plans, total } = plan(shapes, k);
  return total === 0 ? 0 : plans.reduce((s, p) => s + p.blocks * p.kept, 0) / total;
}

/**
 * The r-th smallest of a[0..n) (0-based), reordering `a` (Wirth's selection: Hoare
 * partitions that split runs of equal values evenly, so zero-heavy blocks stay linear).
 */
function selectNth(a: Float32Array, n: number, r: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    do {
      while (a[i]! < pivot) i++;
      while (pivot < a[j]!) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    } while (i <= j);
    if (j < r) lo = i;
    if (r < i) hi = j;
  }
  return a[r]!;
}

/**
 * Indices of the `kept` largest |c[base + j]|, j < bs, ties to the lower j, ascending.
 * The threshold t is the kept-th largest magnitude; every value above t is kept, then
 * values equal to t in index order until `kept` are taken.
 */
function selectTopK(c: Float32Array, base: number, bs: number, kept: number, mags: Float32Array, out: Int32Array): void {
  if (kept === bs) {
    for (let j = 0; j < bs; j++) out[j] = j;
    return;
  }
  for (let j = 0; j < bs; j++) mags[j] = Math.abs(c[base + j]!);
  const scratch = mags.subarray(bs, 2 * bs);
  scratch.set(mags.subarray(0, bs));
  const t = selectNth(scratch, bs, bs - kept);
  let ties = kept;
  for (let j = 0; j < bs; j++) if (mags[j]! > t) ties--;
  let n = 0;
  for (let j = 0; j < bs && n < kept; j++) {
    const m = mags[j]!;
    if (m > t || (m === t && ties-- > 0)) out[n++] = j;
  }
}

/** Round half away from zero, symmetric in sign (|r| + 0.5 is exact for the f32 |r| <= 128 used here). */
function roundHalfAway(r: number): number {
  const a = Math.floor(Math.abs(r) + 0.5);
  return r < 0 ? -a : a;
}

/**
 * The DeMo / Templar DCT top-k codec over a vector made of tensors of the given shapes.
 * `byteLength(n)` and `encode` throw a RangeError unless n is the shapes' total size.
 * @example
 * const codec = dctTopKCodec({ shapes: gptParamShapes(gptTiny()).map(([, s]) => s), k: 32 });
 * const bytes = codec.encode(pseudoGradient); // 1.2% of the coefficients, ~2.5 bytes each
 * const approx = codec.decode(bytes, pseudoGradient.length);
 */
export function dctTopKCodec(opts: DctTopKOptions): Codec {
  const k = opts.k;
  const { plans, groups, total, bytes: exactBytes } = plan(opts.shapes, k);
  const maxBs = plans.reduce((m, p) => Math.max(m, p.bs), 1);
  const backendOf = (): Backend => opts.backend ?? getDefaultBackend();
  const checkN = (n: number): void => {
    if (n !== total) throw new RangeError(`dct-topk: ${n} values, but the shapes hold ${total}`);
  };

  return {
    name: 'dct-topk',
    byteLength(n: number): number {
      checkN(n);
      return exactBytes;
    },

    encode(x: Float32Array): Uint8Array {
      checkN(x.length);
      checkFinite(x, 'dct-topk');
      const out = new Uint8Array(exactBytes);
      writeHeader(out, 'dct-topk', total, k);
      const view = new DataView(out.buffer);
      const mags = new Float32Array(2 * maxBs);
      const idx = new Int32Array(maxBs);
      // Transform group by group (block-major, see dct.ts); a group's buffer holds the
      // coefficients of its tensors one after the other.
      const coeffs = groups.map((g) => {
        const blocks = new Float32Array(g.size);
        for (const p of g.members) toBlockMajor(x.subarray(p.offset, p.offset + p.numel), p.layout, blocks.subarray(p.groupOffset, p.groupOffset + p.numel));
        const c = dctBlocks(blocks, g.s1, g.s2, backendOf());
        // Finite input can still overflow f32 in the sums; refuse it rather than send Inf.
        for (let i = 0; i < c.length; i++) {
          if (!Number.isFinite(c[i]!)) throw new CodecError('non-finite', 'dct-topk: a DCT coefficient overflows f32 (input too large)');
        }
        return c;
      });
      let pos = HEADER_BYTES;
      for (const p of plans) {
        const c = coeffs[p.group]!.subarray(p.groupOffset, p.groupOffset + p.numel);
        for (let b = 0; b < p.blocks; b++) {
          const base = b * p.bs;
          selectTopK(c, base, p.bs, p.kept, mags, idx);
          let maxAbs = 0;
          for (let i = 0; i < p.kept; i++) maxAbs = Math.max(maxAbs, Math.abs(c[base + idx[i]!]!));
          const scale = f(maxAbs / 127);
          view.setFloat32(pos, scale, true);
          // Indices, LSB-first; `out` is zeroed, so the padding bits stay zero.
          for (let i = 0; i < p.kept; i++) {
            const v = idx[i]!;
            for (let bit = 0; bit < p.bits; bit++) {
              const s = i * p.bits + bit;
              const at = pos + 4 + (s >>> 3);
              if ((v >>> bit) & 1) out[at] = out[at]! | (1 << (s & 7));
            }
          }
          const vpos = pos + 4 + p.idxBytes;
          for (let i = 0; i < p.kept; i++) {
            // scale 0 (all kept values 0, or an underflowed scale) sends zeros, not 0/0; the
            // clamp keeps the rounding exact and -128 out when a subnormal scale rounded up.
            const r = scale === 0 ? 0 : Math.max(-128, Math.min(128, f(c[base + idx[i]!]! / scale)));
            const q = Math.max(-127, Math.min(127, roundHalfAway(r)));
            out[vpos + i] = q & 0xff;
          }
          pos += p.blockBytes;
        }
      }
      return out;
    },

    decode(bytes: Uint8Array, expectedLength?: number): Float32Array {
      const { n, param } = readHeader(bytes, 'dct-topk', expectedLength);
      if (param !== k) throw new CodecError('bad-header', `dct-topk: payload has k = ${param}, this codec k = ${k}`);
      if (n !== total) throw new CodecError('wrong-length', `dct-topk: payload holds ${n} values, the shapes hold ${total}`);
      checkSize(bytes, exactBytes, 'dct-topk');
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // Parse and check the whole payload before any transform work.
      const coeffs = groups.map((g) => new Float32Array(g.size));
      let pos = HEADER_BYTES;
      for (const p of plans) {
        const c = coeffs[p.group]!.subarray(p.groupOffset, p.groupOffset + p.numel);
        for (let b = 0; b < p.blocks; b++) {
          const where = (): string => `tensor at ${p.offset}, block ${b}`; // built only on failure
          const scale = view.getFloat32(pos, true);
          if (!Number.isFinite(scale)) throw new CodecError('non-finite', `dct-topk: ${where()}: scale ${scale}`);
          if (scale < 0 || Object.is(scale, -0)) throw new CodecError('bad-value', `dct-topk: ${where()}: negative scale ${scale}`);
          const ipos = pos + 4;
          const vpos = ipos + p.idxBytes;
          let prev = -1;
          for (let i = 0; i < p.kept; i++) {
            let v = 0;
            for (let bit = 0; bit < p.bits; bit++) {
              const s = i * p.bits + bit;
              v |= ((bytes[ipos + (s >>> 3)]! >>> (s & 7)) & 1) << bit;
            }
            if (v >= p.bs) throw new CodecError('bad-value', `dct-topk: ${where()}: index ${v} past the block size ${p.bs}`);
            if (v <= prev) throw new CodecError('bad-value', `dct-topk: ${where()}: index ${v} after ${prev} (not strictly increasing)`);
            prev = v;
            const q = (bytes[vpos + i]! << 24) >> 24; // int8
            if (q === -128) throw new CodecError('bad-value', `dct-topk: ${where()}: value -128`);
            c[b * p.bs + v] = f(q * scale);
          }
          for (let s = p.kept * p.bits; s < p.idxBytes * 8; s++) {
            if ((bytes[ipos + (s >>> 3)]! >>> (s & 7)) & 1) throw new CodecError('bad-value', `dct-topk: ${where()}: non-zero padding bit`);
          }
          pos += p.blockBytes;
        }
      }
      const out = new Float32Array(total);
      groups.forEach((g, i) => {
        const x = idctBlocks(coeffs[i]!, g.s1, g.s2, backendOf());
        for (const p of g.members) fromBlockMajor(x.subarray(p.groupOffset, p.groupOffset + p.numel), p.layout, out.subarray(p.offset, p.offset + p.numel));
      });
      return checkDecodedFinite(out, 'dct-topk');
    },
  };
}

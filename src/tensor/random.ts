/**
 * @file Counter-based randomness: Philox4x32-10 (Salmon et al., "Parallel random numbers:
 * as easy as 1, 2, 3", SC 2011). Output i of a stream depends only on (key, i), so any
 * machine, backend or thread split produces the same numbers, and a run can name the
 * numbers of (run, round, peer, step, purpose) by deriving a key from that path.
 */
import { createHash } from 'node:crypto';
import { logF32, sinCosTurnsF32 } from './math/index.ts';
import { checkShape, numel, type Shape } from './shape.ts';
import { getDefaultBackend, Tensor } from './tensor.ts';
import type { CreateOptions } from './ops/creation.ts';

const f = Math.fround;
const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/** A Philox key: two 32-bit words. */
export type PrngKey = readonly [number, number];

/** High 32 bits of the 64-bit product of two u32s (exact, via 16-bit halves). */
function mulHi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}

/**
 * One Philox4x32-10 block: four u32 outputs for a 128-bit counter and a 64-bit key.
 * @example philox4x32([0, 0, 0, 0], [0, 0]) // the published known-answer vector
 */
export function philox4x32(counter: readonly [number, number, number, number], key: PrngKey): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulHi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/**
 * A key from a seed and a path of names or numbers: the first 8 bytes of
 * SHA-256("tessera-prng-v1" + for each part: its UTF-8 with a length prefix).
 * @example deriveKey(1234, 'init', 'h.0.attn.c_attn.weight')
 */
export function deriveKey(seed: number | string, ...path: ReadonlyArray<number | string>): PrngKey {
  const h = createHash('sha256').update('tessera-prng-v1');
  for (const part of [seed, ...path]) {
    const bytes = Buffer.from(`${typeof part}:${part}`, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    h.update(len).update(bytes);
  }
  const digest = h.digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

/** The 32-bit words of a stream: block j = philox([j mod 2^32, j div 2^32, 0, 0], key). */
export function randomBits(key: PrngKey, count: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let j = 0; j * 4 < count; j++) {
    const block = philox4x32([j >>> 0, Math.floor(j / 2 ** 32), 0, 0], key);
    for (let w = 0; w < 4 && j * 4 + w < count; w++) out[j * 4 + w] = block[w]!;
  }
  return out;
}

/** A u32 to a uniform f32 in [0, 1): its top 24 bits times 2^-24 (exact). */
function unitInterval(word: number): number {
  return (word >>> 8) * 2 ** -24;
}

function fillTensor(values: Float32Array, shape: Shape, opts: CreateOptions): Tensor {
  const backend = opts.backend ?? getDefaultBackend();
  const data = backend.alloc('f32', values.length);
  data.set(values);
  return new Tensor(data, shape, backend);
}

/**
 * Uniform f32 in [low, high): element i = low + u_i * (high - low), u_i from word i.
 * @example uniform(deriveKey(7, 'dropout'), [4, 4])
 */
export function uniform(key: PrngKey, shape: Shape, low = 0, high = 1, opts: CreateOptions = {}): Tensor {
  checkShape(shape);
  const bits = randomBits(key, numel(shape));
  const values = new Float32Array(bits.length);
  const span = f(f(high) - f(low));
  for (let i = 0; i < bits.length; i++) values[i] = f(f(low) + f(unitInterval(bits[i]!) * span));
  return fillTensor(values, shape, opts);
}

/**
 * Normal f32 with the given mean and std, by Box-Muller on word pairs: words (2p, 2p+1)
 * give u1 in (0, 1] and u2 in [0, 1); r = sqrt(-2 log u1); elements 2p and 2p+1 are
 * r*cos(2 pi u2) and r*sin(2 pi u2), then mean + std * z. Only f32 ops from tensor/math.
 * @example normal(deriveKey(seed, 'init', name), [768, 768], 0, 0.02)
 */
export function normal(key: PrngKey, shape: Shape, mean = 0, std = 1, opts: CreateOptions = {}): Tensor {
  checkShape(shape);
  const n = numel(shape);
  const bits = randomBits(key, n + (n % 2));
  const values = new Float32Array(n);
  for (let p = 0; 2 * p < n; p++) {
    const u1 = f(f((bits[2 * p]! >>> 8) + 1) * 2 ** -24);
    const u2 = unitInterval(bits[2 * p + 1]!);
    const r = f(Math.sqrt(f(-2 * logF32(u1))));
    const [s, c] = sinCosTurnsF32(u2);
    values[2 * p] = f(f(mean) + f(f(std) * f(r * c)));
    if (2 * p + 1 < n) values[2 * p + 1] = f(f(mean) + f(f(std) * f(r * s)));
  }
  return fillTensor(values, shape, opts);
}

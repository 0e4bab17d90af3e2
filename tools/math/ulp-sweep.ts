/**
 * @file Exhaustive ulp-error sweep of the f32 transcendentals in
 * src/tensor/math against float64 references.
 *
 * Usage: npx tsx tools/math/ulp-sweep.ts [--stride N] [--only exp,log,...] [--jobs K]
 *
 *   --stride N   test every Nth f32 bit pattern of each domain (default 1: all)
 *   --only LIST  comma-separated subset of: exp,log,tanh,erf,sin,cos
 *   --jobs K     child processes (default: available parallelism)
 *
 * Error of a result y against the float64 reference t, in ulps:
 *   |y - t| / ulp(t), ulp(t) = 2^(e - 23) for 2^e <= |t| < 2^(e+1), e >= -126,
 * and 2^-149 (the subnormal spacing) for |t| < 2^-126. A result is
 * "correctly rounded" when it equals fround(t); a float64 reference can
 * misjudge that only when t lies within ~1e-16 relative of a midpoint
 * between two f32 values, so that count can be off by a handful.
 * References: Math.exp/log/tanh, Math.sin/cos after an exact reduction in
 * turns, and erf64 from tools/math/fit.mjs (relative error ~1e-13).
 *
 * Each function also gets an "output digest": SHA-256 over the SHA-256 of
 * the little-endian output bits of each 2^22-pattern chunk, in order. With
 * --stride 1 it fingerprints every output bit of the domain; the values are
 * recorded in docs/numerics-transcendentals.md, so any change of bits, even
 * one too rare for the unit test's grids, shows up here.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { erf64, sinCosTurns64 } from './fit.mjs';
import { erfF32, expF32, logF32, sinCosTurnsF32, tanhF32 } from '../../src/tensor/math/index.ts';

type FnName = 'exp' | 'log' | 'tanh' | 'erf' | 'sin' | 'cos';
const ALL: readonly FnName[] = ['exp', 'log', 'tanh', 'erf', 'sin', 'cos'];

interface Spec {
  /** Inclusive ranges of u32 bit patterns. */
  ranges: Array<[number, number]>;
  domain: string;
  fn: (x: number) => number;
  ref: (x: number) => number;
}

/** Index of the high 32-bit word of a float64 in a Uint32Array view: 1 on little-endian machines. */
const HI_WORD_INDEX = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

const bitsBuf = new ArrayBuffer(4);
const bitsU32 = new Uint32Array(bitsBuf);
const bitsF32 = new Float32Array(bitsBuf);
function fromBits(b: number): number {
  bitsU32[0] = b;
  return bitsF32[0] ?? 0;
}
function toBits(x: number): number {
  bitsF32[0] = x;
  return bitsU32[0] ?? 0;
}


const SPECS: Record<FnName, Spec> = {
  exp: {
    ranges: [
      [0x00000000, toBits(89)],
      [0x80000000, toBits(-104)],
    ],
    domain: '[-104, 89]',
    fn: expF32,
    ref: Math.exp,
  },
  log: {
    ranges: [[0x00000001, 0x7f7fffff]],
    domain: 'all positive finite f32 (subnormals included)',
    fn: logF32,
    ref: Math.log,
  },
  tanh: {
    ranges: [
      [0x00000000, 0x7f7fffff],
      [0x80000000, 0xff7fffff],
    ],
    domain: 'all finite f32',
    fn: tanhF32,
    ref: Math.tanh,
  },
  erf: {
    ranges: [
      [0x00000000, toBits(4.5)],
      [0x80000000, toBits(-4.5)],
    ],
    domain: '[-4.5, 4.5]',
    fn: erfF32,
    ref: erf64,
  },
  sin: {
    ranges: [[0x00000000, 0x3f7fffff]],
    domain: 'v in [0, 1), sin(2 pi v)',
    fn: (v) => sinCosTurnsF32(v)[0],
    ref: (v) => sinCosTurns64(v)[0],
  },
  cos: {
    ranges: [[0x00000000, 0x3f7fffff]],
    domain: 'v in [0, 1), cos(2 pi v)',
    fn: (v) => sinCosTurnsF32(v)[1],
    ref: (v) => sinCosTurns64(v)[1],
  },
};

/** Histogram bucket upper bounds in ulps; the last bucket is everything above. */
const BUCKETS = [0.5, 1, 1.5, 2, 3];

interface Stats {
  count: number;
  maxUlp: number;
  maxUlpArg: number;
  notCorrectlyRounded: number;
  hist: number[];
  maxAbs: number;
  maxAbsArg: number;
  /** NaN/Inf results that disagree with the rounded reference. */
  specialMismatch: number;
  specialExample: number;
  /** SHA-256 (hex) of the little-endian output bits of each chunk, by chunk index. */
  chunkDigests: Record<number, string>;
}

function emptyStats(): Stats {
  return {
    count: 0,
    maxUlp: 0,
    maxUlpArg: 0,
    notCorrectlyRounded: 0,
    hist: new Array<number>(BUCKETS.length + 1).fill(0),
    maxAbs: 0,
    maxAbsArg: 0,
    specialMismatch: 0,
    specialExample: 0,
    chunkDigests: {},
  };
}

// 2^k for k in [-149, 104], indexed by k + 149.
const CANONICAL_NAN = fromBits(0x7fc00000);
if (HI_WORD_INDEX !== 1) throw new Error('ulp-sweep assumes a little-endian machine (output digests)');

const POW2 = Array.from({ length: 254 }, (_, i) => 2 ** (i - 149));
const probe = new Float64Array(1);
const probeHi = new Uint32Array(probe.buffer);

/** Spacing of f32 at the true value t (see the file comment). */
export function ulpF32At(t: number): number {
  const a = Math.abs(t);
  if (a < 1.1754943508222875e-38) return 1.401298464324817e-45;
  if (a >= 3.402823669209385e38) return 2 ** 104;
  probe[0] = a;
  const e = (((probeHi[HI_WORD_INDEX] ?? 0) >>> 20) & 0x7ff) - 1023;
  return POW2[e - 23 + 149] ?? NaN;
}

/** Returns the SHA-256 of the chunk's output bits (NaN canonicalised to 0x7fc00000). */
function sweepChunk(spec: Spec, lo: number, hi: number, stride: number, st: Stats): string {
  const { fn, ref } = spec;
  const out = new Float32Array(Math.floor((hi - lo) / stride) + 1);
  let j = 0;
  for (let b = lo; b <= hi; b += stride) {
    const x = fromBits(b);
    const y = fn(x);
    const t = ref(x);
    out[j++] = y !== y ? CANONICAL_NAN : y;
    st.count++;
    const rounded = Math.fround(t);
    if (y === rounded || (y !== y && t !== t)) {
      st.hist[0] = (st.hist[0] ?? 0) + 1;
      continue;
    }
    st.notCorrectlyRounded++;
    if (y !== y || t !== t || y === Infinity || y === -Infinity || t === Infinity || t === -Infinity) {
      st.specialMismatch++;
      st.specialExample = b;
      continue;
    }
    const abs = Math.abs(y - t);
    const err = abs / ulpF32At(t);
    if (err > st.maxUlp) {
      st.maxUlp = err;
      st.maxUlpArg = b;
    }
    if (abs > st.maxAbs) {
      st.maxAbs = abs;
      st.maxAbsArg = b;
    }
    let k = 0;
    while (k < BUCKETS.length && err > (BUCKETS[k] ?? 0)) k++;
    st.hist[k] = (st.hist[k] ?? 0) + 1;
  }
  return createHash('sha256').update(new Uint8Array(out.buffer, 0, j * 4)).digest('hex');
}

const CHUNK = 1 << 22;

/** The chunks [lo, hi] (inclusive) of a spec, in a fixed order; stride-aligned to each range start. */
function chunksOf(spec: Spec, stride: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const step = Math.max(CHUNK, stride) - (Math.max(CHUNK, stride) % stride);
  for (const [lo, hi] of spec.ranges) {
    for (let a = lo; a <= hi; a += step) out.push([a, Math.min(hi, a + step - 1)]);
  }
  return out;
}

function merge(a: Stats, b: Stats): Stats {
  const m = emptyStats();
  m.count = a.count + b.count;
  const fromA = a.maxUlp >= b.maxUlp;
  m.maxUlp = fromA ? a.maxUlp : b.maxUlp;
  m.maxUlpArg = fromA ? a.maxUlpArg : b.maxUlpArg;
  const absA = a.maxAbs >= b.maxAbs;
  m.maxAbs = absA ? a.maxAbs : b.maxAbs;
  m.maxAbsArg = absA ? a.maxAbsArg : b.maxAbsArg;
  m.notCorrectlyRounded = a.notCorrectlyRounded + b.notCorrectlyRounded;
  m.hist = a.hist.map((v, i) => v + (b.hist[i] ?? 0));
  m.specialMismatch = a.specialMismatch + b.specialMismatch;
  m.specialExample = a.specialMismatch > 0 ? a.specialExample : b.specialExample;
  m.chunkDigests = { ...a.chunkDigests, ...b.chunkDigests };
  return m;
}

function parseArgs(argv: string[]): { stride: number; only: FnName[]; jobs: number } {
  let stride = 1;
  let only: FnName[] = [...ALL];
  let jobs = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1] ?? '';
    if (a === '--stride') {
      stride = Math.max(1, Number.parseInt(v, 10) || 1);
      i++;
    } else if (a === '--jobs') {
      jobs = Math.max(1, Number.parseInt(v, 10) || 1);
      i++;
    } else if (a === '--only') {
      only = v.split(',').filter((s): s is FnName => (ALL as readonly string[]).includes(s));
      i++;
    } else {
      throw new Error(`unknown argument ${a ?? ''}`);
    }
  }
  return { stride, only, jobs };
}

function fmtArg(bits: number): string {
  const x = fromBits(bits);
  return `${x} (0x${bits.toString(16).padStart(8, '0')})`;
}

function report(name: FnName, st: Stats, seconds: number): void {
  const spec = SPECS[name];
  const pct = (n: number): string => ((100 * n) / Math.max(1, st.count)).toFixed(4);
  console.log(`\n${name}: ${spec.domain}, ${st.count} inputs, ${seconds.toFixed(1)} s`);
  console.log(`  max error ${st.maxUlp.toFixed(4)} ulp at x = ${fmtArg(st.maxUlpArg)}`);
  console.log(`  max abs error ${st.maxAbs.toExponential(3)} at x = ${fmtArg(st.maxAbsArg)}`);
  console.log(`  not correctly rounded: ${st.notCorrectlyRounded} (${pct(st.notCorrectlyRounded)}%)`);
  // Bucket 0 also counts the correctly rounded results.
  const labels = [
    '<= 0.5 or correctly rounded',
    ...BUCKETS.slice(1).map((b, i) => `(${BUCKETS[i] ?? 0}, ${b}]`),
    `> ${BUCKETS[BUCKETS.length - 1] ?? 0}`,
  ];
  console.log(`  histogram: ${st.hist.map((n, i) => `${labels[i] ?? ''}: ${n}`).join(', ')}`);
  if (st.specialMismatch > 0) {
    console.log(`  NaN/Inf mismatches: ${st.specialMismatch}, e.g. x = ${fmtArg(st.specialExample)}`);
  }
  console.log(`  output digest: ${outputDigest(st)}`);
}

/**
 * SHA-256 over the chunk digests in chunk order: a fingerprint of every
 * output bit of the sweep (independent of --jobs, dependent on --stride).
 */
function outputDigest(st: Stats): string {
  const keys = Object.keys(st.chunkDigests).map(Number).sort((a, b) => a - b);
  const h = createHash('sha256');
  for (const k of keys) h.update(st.chunkDigests[k] ?? '');
  return h.digest('hex');
}

function runChild(name: FnName, stride: number, part: number, parts: number): Promise<Stats> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', name, String(stride), String(part), String(parts)]);
    let result: Stats | undefined;
    child.on('message', (m) => {
      result = m as Stats;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`child for ${name} exited with ${code}`));
    });
  });
}

function childMain(args: string[]): void {
  const name = args[0] as FnName;
  const stride = Number(args[1]);
  const part = Number(args[2]);
  const parts = Number(args[3]);
  const spec = SPECS[name];
  const st = emptyStats();
  chunksOf(spec, stride).forEach(([lo, hi], i) => {
    if (i % parts === part) st.chunkDigests[i] = sweepChunk(spec, lo, hi, stride, st);
  });
  process.send?.(st, () => process.exit(0));
}

async function main(): Promise<void> {
  const { stride, only, jobs } = parseArgs(process.argv.slice(2));
  console.log(`ulp sweep: stride ${stride}, ${jobs} jobs, node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
  const t0 = Date.now();
  for (const name of only) {
    const t1 = Date.now();
    const parts = await Promise.all(Array.from({ length: jobs }, (_, p) => runChild(name, stride, p, jobs)));
    const st = parts.reduce(merge, emptyStats());
    report(name, st, (Date.now() - t1) / 1000);
  }
  console.log(`\ntotal ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[2] === '--child') {
  childMain(process.argv.slice(3));
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

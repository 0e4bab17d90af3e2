/**
 * Error feedback: over many rounds the decoded payloads sum to the inputs' sum minus a
 * bounded residual, where the bare codec drops small entries for good.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createErrorFeedback, fp32Codec, fp4Codec, int8Codec, type Codec } from '../../src/compress/index.ts';
import { heavy, normals, refuses } from './helpers.ts';

/** Run `steps` rounds; return the f64 sums of inputs and of decoded payloads, and the largest |residual| seen. */
function run(codec: Codec, n: number, steps: number, input: (t: number) => Float32Array, feedback: boolean) {
  const ef = createErrorFeedback(codec, n);
  const sumX = new Float64Array(n);
  const sumSent = new Float64Array(n);
  let maxResidual = 0;
  for (let t = 0; t < steps; t++) {
    const x = input(t);
    const payload = feedback ? ef.encode(x) : codec.encode(x);
    const sent = codec.decode(payload, n);
    for (let i = 0; i < n; i++) {
      sumX[i]! += x[i]!;
      sumSent[i]! += sent[i]!;
      maxResidual = Math.max(maxResidual, Math.abs(ef.residual[i]!));
    }
  }
  return { sumX, sumSent, residual: ef.residual, maxResidual };
}

test('error feedback: small entries that fp4 rounds to zero get through over time', () => {
  // One large value per block of 8 and seven entries below scale * 2^-7: the bare codec sends 0 for them every round.
  const n = 64;
  const steps = 400;
  const input = (t: number): Float32Array => {
    // Entries in [0, 0.0075], below 2^-7 = 0.0078125, with a positive mean so their sum grows.
    const x = normals(n, 1000 + t, 0.002).map((v) => Math.min(0.0075, Math.max(0, 0.003 + v)));
    for (let i = 0; i < n; i += 8) x[i] = 1;
    return x;
  };
  const bare = run(fp4Codec({ blockSize: 8 }), n, steps, input, false);
  const ef = run(fp4Codec({ blockSize: 8 }), n, steps, input, true);
  let bareGap = 0;
  let efGap = 0;
  for (let i = 0; i < n; i++) {
    if (i % 8 === 0) continue;
    assert.equal(bare.sumSent[i], 0, 'the bare codec never sends the small entries');
    bareGap = Math.max(bareGap, Math.abs(bare.sumX[i]!));
    // sum(sent) = sum(x) - residual, up to the f32 rounding of x + residual each round.
    assert.ok(Math.abs(ef.sumX[i]! - ef.sumSent[i]! - ef.residual[i]!) <= steps * 2 ** -23, `entry ${i}: identity`);
    efGap = Math.max(efGap, Math.abs(ef.sumX[i]! - ef.sumSent[i]!));
  }
  assert.ok(bareGap > 1, `without feedback the small entries' sum is lost (${bareGap})`);
  // With feedback the residual never exceeds one round's worst error at scale 1 (2^-7 plus a step's input).
  assert.ok(ef.maxResidual <= 2 ** -7 + 0.0075, `residual stays bounded (${ef.maxResidual})`);
  assert.ok(efGap <= 2 ** -7 + 0.0075, `sums track (${efGap} vs ${bareGap} without feedback)`);
});

test('error feedback: residual stays bounded over many rounds of random inputs (int8, fp4)', () => {
  const n = 257;
  for (const codec of [int8Codec({ blockLog2: 5 }), fp4Codec({ blockSize: 16 })]) {
    const r = run(codec, n, 300, (t) => heavy(n, t, 0.1), true);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(r.sumX[i]! - r.sumSent[i]! - r.residual[i]!) / (1 + Math.abs(r.sumX[i]!)));
    assert.ok(worst <= 1e-4, `${codec.name}: sum(sent) = sum(x) - residual (${worst})`);
    // Heavy tails give single inputs of up to 1e3; the residual must not drift beyond that.
    assert.ok(r.maxResidual < 1e3, `${codec.name}: residual bounded (${r.maxResidual})`);
  }
});

test('error feedback: a lossless codec leaves no residual; reset, wrong length and failed encodes', () => {
  const lossless = run(fp32Codec(), 33, 10, (t) => normals(33, t), true);
  assert.equal(lossless.maxResidual, 0);
  const ef = createErrorFeedback(fp4Codec({ blockSize: 4 }), 8);
  ef.encode(Float32Array.of(1, 0.001, 0.3, 0.6, 2, 0.01, -0.02, 0.7));
  const before = Float32Array.from(ef.residual);
  assert.ok(before.some((v) => v !== 0));
  const bad = new Float32Array(8);
  bad[3] = NaN;
  refuses(() => ef.encode(bad), 'non-finite');
  assert.throws(() => ef.encode(new Float32Array(7)), RangeError);
  assert.deepEqual(ef.residual, before, 'a failed call leaves the residual as it was');
  ef.reset();
  assert.ok(ef.residual.every((v) => v === 0));
  assert.throws(() => createErrorFeedback(fp32Codec(), -1), RangeError);
});

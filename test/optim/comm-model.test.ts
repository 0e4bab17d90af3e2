/** The communication model: ring all-reduce time and utilisation, blocking and overlapped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRun, ringAllReduceSeconds } from '../../src/optim/index.ts';

test('ring all-reduce: 2(k-1)/k of the payload and 2(k-1) latencies; one worker sends nothing', () => {
  const link = { bandwidthBps: 1e9, latencySeconds: 0.05 };
  assert.equal(ringAllReduceSeconds(1e9, 1, link), 0);
  assert.ok(Math.abs(ringAllReduceSeconds(1e9, 4, link) - (1.5 * 8 + 6 * 0.05)) < 1e-9);
});

test('utilisation: compute over compute plus stalls; overlap hides up to tau steps per exchange', () => {
  const link = { bandwidthBps: 1e8, latencySeconds: 0 };
  const blocking = estimateRun({ workers: 2, stepSeconds: 1, stepsPerRound: 10, exchangesPerRound: 1, payloadBytes: 1.25e8, overlapSteps: 0 }, link);
  assert.ok(Math.abs(blocking.commSecondsPerExchange - 10) < 1e-9); // 1 x 1e9 bits / 1e8
  assert.ok(Math.abs(blocking.utilisation - 0.5) < 1e-12);
  const overlapped = estimateRun({ workers: 2, stepSeconds: 1, stepsPerRound: 10, exchangesPerRound: 2, payloadBytes: 6.25e7, overlapSteps: 5 }, link);
  assert.equal(overlapped.stallSecondsPerRound, 0); // each half-size exchange (5 s) fits in 5 steps
  assert.equal(overlapped.utilisation, 1);
});

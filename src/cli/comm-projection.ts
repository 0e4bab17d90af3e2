/**
 * @file The communication model checked against a published run: INTELLECT-1 (Prime Intellect,
 * arXiv 2412.01152): 10B parameters, int8 pseudo-gradients, H = 100 inner steps taking about
 * 38 minutes on an 8xH100 node, up to 14 nodes, 0.5-4 Gbit/s between nodes; reported median
 * all-reduce 103 s (USA), 382 s (USA + Europe), 469 s (global) and 95.7 / 85.6 / 83.0% compute
 * utilisation (report Table 2; ../shared/research/diloco.md section 4).
 */
import { int8Codec } from '../compress/index.ts';
import { estimateRun, ringAllReduceSeconds } from '../optim/index.ts';

const PARAMS = 10e9;
const ROUND_COMPUTE_SECONDS = 38 * 60;
const H = 100;
const NODES = 14;
const LATENCY = 0.05;

/** int8 payload of 10B values: our int8 codec's exact size, summed over 1e9-value tensors. */
function int8Bytes(): number {
  return 10 * int8Codec().byteLength(PARAMS / 10);
}

/** A markdown report: predicted all-reduce time and utilisation at the stated link speeds, and the published scenarios. */
export function intellect1Projection(): string {
  const bytes = int8Bytes();
  const step = ROUND_COMPUTE_SECONDS / H;
  const pattern = { workers: NODES, stepSeconds: step, stepsPerRound: H, exchangesPerRound: 1, payloadBytes: bytes, overlapSteps: 0 };
  const lines = [
    `INTELLECT-1 projection: ${PARAMS / 1e9}B parameters, int8 payload ${(bytes / 1e9).toFixed(2)} GB per node, H = ${H}, ${ROUND_COMPUTE_SECONDS / 60} min of compute per round, ${NODES} nodes, ${LATENCY * 1000} ms latency, ring all-reduce`,
    '',
    '| link | predicted all-reduce | predicted utilisation |',
    '|---|---|---|',
  ];
  for (const gbps of [4, 1, 0.5]) {
    const e = estimateRun(pattern, { bandwidthBps: gbps * 1e9, latencySeconds: LATENCY });
    lines.push(`| ${gbps} Gbit/s | ${e.commSecondsPerExchange.toFixed(0)} s | ${(e.utilisation * 100).toFixed(1)}% |`);
  }
  lines.push('', '| published scenario | median all-reduce | published utilisation | model utilisation at that all-reduce time | implied bandwidth per node |', '|---|---|---|---|---|');
  const ringBits = ringAllReduceSeconds(bytes, NODES, { bandwidthBps: 1, latencySeconds: 0 });
  const hops = 2 * (NODES - 1) * LATENCY;
  for (const [name, seconds, published] of [['USA', 103, 95.7], ['USA + Europe', 382, 85.6], ['Global', 469, 83.0]] as const) {
    const util = ROUND_COMPUTE_SECONDS / (ROUND_COMPUTE_SECONDS + seconds);
    lines.push(`| ${name} | ${seconds} s | ${published.toFixed(1)}% | ${(util * 100).toFixed(1)}% | ${(ringBits / (seconds - hops) / 1e9).toFixed(2)} Gbit/s |`);
  }
  return lines.join('\n');
}

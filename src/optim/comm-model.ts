/**
 * @file A communication model: from a measured step time and measured payload sizes, the
 * wall-clock time of a run and its compute utilisation over a given link.
 *
 * Exchanges are modelled as a ring all-reduce (what INTELLECT-1 and PCCL run): each worker
 * sends and receives 2 (k - 1) / k times the payload, in 2 (k - 1) latency-bound hops.
 *   t_comm = 2 (k - 1) / k * bytes * 8 / bandwidth + 2 (k - 1) * latency
 * A blocking exchange stalls compute for t_comm; an overlapped one (Streaming DiLoCo, tau inner
 * steps of slack) stalls only for what is left after tau steps. Utilisation = compute time /
 * (compute time + stalls). The model ignores the encode/decode time (measured separately), the
 * outer step, and congestion between concurrent fragment exchanges.
 */

export interface Link {
  /** Bits per second each worker can send (and receive) at once. */
  readonly bandwidthBps: number;
  readonly latencySeconds: number;
}

export interface ExchangePattern {
  readonly workers: number;
  /** Seconds of one inner step on one worker (forward, backward, update). */
  readonly stepSeconds: number;
  /** Inner steps between two exchanges of the same data (H; 1 for data-parallel). */
  readonly stepsPerRound: number;
  /** Exchanges per round (Streaming DiLoCo: one per fragment), each of `payloadBytes`. */
  readonly exchangesPerRound: number;
  readonly payloadBytes: number;
  /** Inner steps of compute that overlap each exchange (0 = blocking). */
  readonly overlapSteps: number;
}

export interface CommEstimate {
  readonly commSecondsPerExchange: number;
  /** Seconds compute waits per round. */
  readonly stallSecondsPerRound: number;
  readonly roundSeconds: number;
  /** Compute time over wall time, in [0, 1]. */
  readonly utilisation: number;
}

/** Seconds for one ring all-reduce of `bytes` per worker among `workers`. */
export function ringAllReduceSeconds(bytes: number, workers: number, link: Link): number {
  if (workers <= 1) return 0;
  const hops = 2 * (workers - 1);
  return (hops / workers) * ((bytes * 8) / link.bandwidthBps) + hops * link.latencySeconds;
}

/**
 * Estimated round time and utilisation of an exchange pattern over `link`.
 * @example estimateRun({ workers: 4, stepSeconds: 0.1, stepsPerRound: 50, exchangesPerRound: 1, payloadBytes: 3.4e6, overlapSteps: 0 }, { bandwidthBps: 1e8, latencySeconds: 0.05 })
 */
export function estimateRun(p: ExchangePattern, link: Link): CommEstimate {
  const comm = ringAllReduceSeconds(p.payloadBytes, p.workers, link);
  const stall = Math.max(0, comm - p.overlapSteps * p.stepSeconds) * p.exchangesPerRound;
  const compute = p.stepsPerRound * p.stepSeconds;
  return { commSecondsPerExchange: comm, stallSecondsPerRound: stall, roundSeconds: compute + stall, utilisation: compute / (compute + stall) };
}

/**
 * @file Per-peer, per-round metrics: bytes on the wire each way, time computing vs waiting
 * (compute utilisation), and round latency. A node keeps one Meter and closes a round entry
 * whenever a round ends for it.
 */
import type { BlobStore } from '../protocol/index.ts';

export interface RoundMetrics {
  readonly round: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly computeSeconds: number;
  /** Wall-clock seconds from the round's start (for this peer) to the new model in hand. */
  readonly roundSeconds: number;
  /** computeSeconds / roundSeconds. */
  readonly utilisation: number;
  readonly loss?: number;
  readonly valLoss?: number;
}

export class Meter {
  bytesSent = 0;
  bytesReceived = 0;
  computeMs = 0;
  #roundStart: number;
  #marks = { sent: 0, received: 0, compute: 0 };
  readonly rounds: RoundMetrics[] = [];

  constructor(now: number) {
    this.#roundStart = now;
  }

  /** Time `fn` as compute. */
  compute<T>(fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.computeMs += performance.now() - t0;
    }
  }

  /** Close the current round's entry and start the next one at `now`. */
  endRound(round: number, now: number, extra: { loss?: number; valLoss?: number } = {}): RoundMetrics {
    const roundSeconds = Math.max(1e-3, (now - this.#roundStart) / 1000);
    const computeSeconds = (this.computeMs - this.#marks.compute) / 1000;
    const m: RoundMetrics = {
      round, bytesSent: this.bytesSent - this.#marks.sent, bytesReceived: this.bytesReceived - this.#marks.received,
      computeSeconds, roundSeconds, utilisation: Math.min(1, computeSeconds / roundSeconds), ...extra,
    };
    this.rounds.push(m);
    this.#marks = { sent: this.bytesSent, received: this.bytesReceived, compute: this.computeMs };
    this.#roundStart = now;
    return m;
  }

  /** Totals over all closed rounds. */
  totals(): { bytesSent: number; bytesReceived: number; computeSeconds: number; wallSeconds: number; utilisation: number } {
    const sum = (f: (m: RoundMetrics) => number): number => this.rounds.reduce((s, m) => s + f(m), 0);
    const wall = sum((m) => m.roundSeconds);
    const compute = sum((m) => m.computeSeconds);
    return { bytesSent: this.bytesSent, bytesReceived: this.bytesReceived, computeSeconds: compute, wallSeconds: wall, utilisation: wall > 0 ? compute / wall : 0 };
  }
}

/** Count the bytes of blobs served to peers as sent. */
export function meteredStore(store: BlobStore, meter: Meter): BlobStore {
  return {
    has: (h) => store.has(h),
    put: (b) => store.put(b),
    get: (h) => {
      const b = store.get(h);
      if (b !== undefined) meter.bytesSent += b.length;
      return b;
    },
  };
}

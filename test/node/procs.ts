/**
 * Multi-process test helpers: run `tessera` commands as real processes with JSON-line events,
 * and wait for an event (with a timeout, never a sleep).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type Event = Record<string, unknown> & { kind: string };

export interface Proc {
  readonly child: ChildProcess;
  readonly events: Event[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first event (already seen or coming) that matches; rejects after `timeoutMs`. */
  waitFor(match: (e: Event) => boolean, timeoutMs?: number): Promise<Event>;
}

const BIN = new URL('../../bin/tessera.mjs', import.meta.url).pathname;

export function tessera(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args, '--events', 'jsonl', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ match: (e: Event) => boolean; resolve: (e: Event) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let e: Event;
    try { e = JSON.parse(line) as Event; } catch { return; }
    events.push(e);
    for (const w of [...waiters]) if (w.match(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, events, stderr, exited,
    waitFor(match, timeoutMs = 120_000) {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; last events: ${JSON.stringify(events.slice(-3))}; stderr: ${stderr.slice(-5).join(' | ')}`)), timeoutMs);
        waiters.push({ match, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
  };
}

/** The coordinator's TCP multiaddr from its 'started' event. */
export async function coordinatorAddr(coordinator: Proc): Promise<string> {
  const started = await coordinator.waitFor((e) => e.kind === 'started', 60_000);
  return (started['addrs'] as string[]).find((a) => !a.includes('/ws'))!;
}

export const closedRound = (n: number) => (e: Event): boolean => e.kind === 'closed' && e['round'] === n;

/**
 * @file Helpers for the net tests: real libp2p nodes on loopback, and bounded waits (a
 * condition polled until true or a deadline, never a bare sleep used as synchronisation).
 */
import { createNetNode, Libp2pTransport, type Libp2pTransportInit, type NetNodeInit } from '../../src/net/index.ts';

/** Starts a node with a transport; `cleanup` collects everything to stop in `after()`. */
export async function startPeer(cleanup: Array<() => Promise<void>>, init: Libp2pTransportInit = {}, node: NetNodeInit = {}): Promise<Libp2pTransport> {
  const transport = new Libp2pTransport(await createNetNode(node), init);
  cleanup.push(() => transport.close());
  return transport;
}

/** Stops everything collected by startPeer, even if some stops fail. */
export async function stopAll(cleanup: Array<() => Promise<void>>): Promise<void> {
  await Promise.allSettled(cleanup.splice(0).map((stop) => stop()));
}

/** Only the addresses of one kind: TCP ('/tcp/N/p2p') or WebSockets ('/ws/'). */
export function addrsOf(t: Libp2pTransport, kind: 'tcp' | 'ws'): string[] {
  return t.addresses().filter((a) => (kind === 'ws' ? a.includes('/ws/') : !a.includes('/ws')));
}

/** Resolves when `cond()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Rejects if `promise` does not settle within `ms` (keeps a broken test from hanging). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms); });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A promise plus its resolver (without Promise.withResolvers, to not depend on the shim here). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

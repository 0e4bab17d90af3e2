/**
 * @file The one place for Node 20 shims. js-libp2p 3 (and it-queue, mortice, noise, yamux)
 * call `Promise.withResolvers` (Node >= 22) and the WebSockets transport dials with the global
 * `WebSocket` (Node >= 22 without a flag). Node 20 has neither, so this module installs them
 * when, and only when, they are absent: on Node 22+ it changes nothing.
 *
 * It must be evaluated before any libp2p code runs: `src/net/index.ts` imports it first (ESM
 * evaluates a module's imports in order), and every src/net module that touches libp2p imports
 * it too, so importing one of those files directly is just as safe. No `--import` flag needed.
 */
import { createRequire } from 'node:module';

/** The ES2024 `Promise.withResolvers` result; our tsconfig targets ES2022 so the lib lacks it. */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolversCtor = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> };

/**
 * `Promise.withResolvers` as ES2024 specifies it (27.2.4.8): NewPromiseCapability(this), so a
 * subclass gets an instance of itself and a non-constructor `this` throws a TypeError; the
 * property is writable, configurable and not enumerable, like every built-in method.
 */
function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  // `new this(...)` throws the TypeError the spec asks for when `this` is not a constructor.
  const promise = new this<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/**
 * Installs the shims that are missing. Idempotent; called once when this module is evaluated.
 * Returns which shims it installed (both false on Node 22+).
 *
 * @example
 * ```ts
 * import { installShims } from './shims.ts';
 * installShims(); // { withResolvers: false, webSocket: false } on Node 22
 * ```
 */
export function installShims(): { withResolvers: boolean; webSocket: boolean } {
  const installed = { withResolvers: false, webSocket: false };
  const P = Promise as WithResolversCtor;
  if (typeof P.withResolvers !== 'function') {
    Object.defineProperty(P, 'withResolvers', { value: withResolvers, writable: true, configurable: true, enumerable: false });
    installed.withResolvers = true;
  }
  if (typeof globalThis.WebSocket === 'undefined') {
    // `ws` ships no types (and @types/ws is not installed), so it is loaded through require,
    // which also keeps it from being loaded at all on Node 22+. Its WebSocket implements the
    // WHATWG surface @libp2p/websockets uses (addEventListener, binaryType, bufferedAmount).
    const ws = createRequire(import.meta.url)('ws') as { WebSocket: typeof globalThis.WebSocket };
    Object.defineProperty(globalThis, 'WebSocket', { value: ws.WebSocket, writable: true, configurable: true, enumerable: false });
    installed.webSocket = true;
  }
  return installed;
}

/**
 * What this process needed when src/net was loaded (for diagnostics and tests).
 *
 * @example
 * ```ts
 * if (shimsInstalled.webSocket) log('Node 20: using the ws package as WebSocket');
 * ```
 */
export const shimsInstalled = installShims();

/**
 * @file One length-prefixed frame on a libp2p 3 stream: an unsigned varint length (the
 * multiformats unsigned-varint, minimal encoding, as libp2p's own length-prefixed protocols
 * use) followed by that many bytes. Tessera's request/response protocols send exactly one frame
 * each way per stream.
 *
 * The reader is written against the libp2p 3 `Stream` events (`message`, `remoteCloseWrite`,
 * `close`) rather than @libp2p/utils' lpStream so that the size limit is enforced on the
 * announced length, before any body byte is buffered: a peer announcing more than the limit has
 * its stream reset at once, and the reader never holds more than the limit (the body is copied
 * into one buffer of the announced size, so there is no second copy either).
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface';

/**
 * A frame larger than the reader's limit was announced; the stream was reset.
 *
 * @example
 * ```ts
 * await transport.request(to, 'blob', req, { maxResponseBytes: 1024 }); // rejects with FrameTooLargeError if the answer is larger
 * ```
 */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
}

/**
 * A bad length prefix, bytes after the frame, or a stream that ended inside a frame.
 *
 * @example
 * ```ts
 * if (err instanceof MalformedFrameError) metrics.malformed++;
 * ```
 */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
}

/** The longest length prefix accepted: 8 varint bytes hold 56 bits, far beyond any limit. */
const MAX_LENGTH_BYTES = 8;
/** Bodies are sent in slices of this size, waiting for 'drain' between them (backpressure). */
const WRITE_SLICE = 256 * 1024;

/**
 * Options of readFrame.
 *
 * @example
 * ```ts
 * const options: ReadFrameOptions = { maxBytes: 64 * 1024, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface ReadFrameOptions {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

/**
 * Reads one frame from `stream`. Must be called before the caller's first `await` on a freshly
 * opened or accepted stream, so no data sits unread in libp2p's own buffer. On any failure the
 * stream is aborted (the remote sees a reset) and the promise rejects with the reason.
 *
 * @example
 * ```ts
 * const request = await readFrame(stream, { maxBytes: 1 << 20, signal: AbortSignal.timeout(10_000) });
 * ```
 */
export function readFrame(stream: Stream, options: ReadFrameOptions): Promise<Uint8Array> {
  const { maxBytes, signal } = options;
  return new Promise<Uint8Array>((resolve, reject) => {
    let length = 0; // announced body length, once the prefix is complete
    let lengthBytes = 0; // prefix bytes read so far
    let body: Uint8Array | undefined;
    let filled = 0;
    let settled = false;

    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      stream.removeEventListener('message', onMessage);
      stream.removeEventListener('remoteCloseWrite', onEnd);
      stream.removeEventListener('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) return resolve(body ?? new Uint8Array(0));
      if (stream.status === 'open') stream.abort(err);
      reject(err);
    };

    const consume = (chunk: Uint8Array): void => {
      let at = 0;
      while (body === undefined && at < chunk.length) {
        const byte = chunk[at++]!;
        if (lengthBytes > 0 && byte === 0) throw new MalformedFrameError('length prefix is not minimally encoded');
        length += (byte & 0x7f) * 2 ** (7 * lengthBytes++);
        if ((byte & 0x80) !== 0) {
          if (lengthBytes >= MAX_LENGTH_BYTES) throw new MalformedFrameError(`length prefix longer than ${MAX_LENGTH_BYTES} bytes`);
          continue;
        }
        if (length > maxBytes) throw new FrameTooLargeError(`frame of ${length} bytes exceeds the limit of ${maxBytes}`);
        body = new Uint8Array(length);
      }
      if (body === undefined) return;
      const take = Math.min(body.length - filled, chunk.length - at);
      body.set(chunk.subarray(at, at + take), filled);
      filled += take;
      if (at + take < chunk.length) throw new MalformedFrameError('bytes after the end of the frame');
    };

    const onMessage = (evt: StreamMessageEvent): void => {
      try {
        const chunks: Iterable<Uint8Array> = evt.data instanceof Uint8Array ? [evt.data] : evt.data;
        for (const chunk of chunks) consume(chunk);
        if (body !== undefined && filled === body.length) finish(undefined);
      } catch (err) {
        finish(err as Error);
      }
    };
    const onEnd = (): void => {
      if (body !== undefined && filled === body.length) return finish(undefined);
      finish(new MalformedFrameError(body === undefined ? 'stream ended before a frame' : `stream ended after ${filled} of ${body.length} bytes`));
    };
    const onClose = (evt: StreamCloseEvent): void => {
      finish(evt.error ?? new MalformedFrameError('stream closed before a complete frame'));
    };
    const onAbort = (): void => finish(signal!.reason as Error);

    if (signal?.aborted === true) return finish(signal.reason as Error);
    if (stream.status !== 'open') return finish(new MalformedFrameError(`stream is ${stream.status}`));
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.addEventListener('close', onClose);
    stream.addEventListener('remoteCloseWrite', onEnd);
    // Adding the first 'message' listener makes the stream dispatch what it buffered before
    // (in a microtask); if the remote already closed its end, check for that after the dispatch.
    stream.addEventListener('message', onMessage);
    if (stream.remoteWriteStatus !== 'writable') queueMicrotask(onEnd);
  });
}

/**
 * Options of writeFrame.
 *
 * @example
 * ```ts
 * const options: WriteFrameOptions = { signal, stallTimeoutMs: 30_000 };
 * ```
 */
export interface WriteFrameOptions {
  readonly signal?: AbortSignal;
  /**
   * Longest wait for the remote to accept more bytes (yamux send window full). A bound on
   * progress, not on the whole write, so a large blob to a slow but live peer still completes,
   * while a peer that stops reading cannot hold the stream (and the body) forever. libp2p 3
   * declares a stream `inactivityTimeout` but does not enforce it, hence this.
   */
  readonly stallTimeoutMs?: number;
}

/**
 * Writes `body` as one frame and closes the writable end (the remote reads end-of-stream after
 * the frame). Waits for the stream to drain when yamux's send window is full.
 *
 * @example
 * ```ts
 * await writeFrame(stream, response, { signal, stallTimeoutMs: 30_000 });
 * ```
 */
export async function writeFrame(stream: Stream, body: Uint8Array, options: WriteFrameOptions = {}): Promise<void> {
  const { signal, stallTimeoutMs } = options;
  const bounded = (): AbortSignal | undefined => {
    if (stallTimeoutMs === undefined) return signal;
    const stall = AbortSignal.timeout(stallTimeoutMs);
    return signal === undefined ? stall : AbortSignal.any([signal, stall]);
  };
  signal?.throwIfAborted();
  let ready = stream.send(encodeLength(body.length));
  for (let at = 0; at < body.length; at += WRITE_SLICE) {
    if (!ready) await stream.onDrain({ signal: bounded() });
    ready = stream.send(body.subarray(at, at + WRITE_SLICE));
  }
  await stream.close({ signal: bounded() });
}

/**
 * The unsigned-varint length prefix of a frame of `n` bytes.
 *
 * @example
 * ```ts
 * encodeLength(300); // Uint8Array [0xac, 0x02]
 * ```
 */
export function encodeLength(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid frame length ${n}`);
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Uint8Array.from(out);
}

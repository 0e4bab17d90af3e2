/**
 * @file The trainer's side of the coordinator RPC: encode a request, send it, decode the
 * answer strictly, count the bytes. A heartbeat from a peer the coordinator no longer knows
 * (evicted while it was away, or the coordinator restarted) turns into a join.
 */
import {
  decodeResponse, encodeRequest, LIMITS, type CoordinatorRequest, type CoordinatorResponse, type Hash,
  type PeerAddress, type PeerKey, type RunStatus, type SignedCommitment, type Transport,
} from '../protocol/index.ts';
import type { Meter } from './metrics.ts';

/** The coordinator refused a request that the trainer cannot go on without. */
export class CoordinatorRefusedError extends Error {
  override readonly name = 'CoordinatorRefusedError';
}

export class CoordinatorClient {
  readonly #transport: Transport;
  readonly #coordinator: PeerAddress;
  readonly #meter: Meter;
  /** Joins made because the coordinator no longer knew this peer. */
  rejoins = 0;

  constructor(transport: Transport, coordinator: PeerAddress, meter: Meter) {
    this.#transport = transport;
    this.#coordinator = coordinator;
    this.#meter = meter;
  }

  async request(req: CoordinatorRequest, signal: AbortSignal): Promise<CoordinatorResponse> {
    const body = encodeRequest(req);
    this.#meter.bytesSent += body.length;
    const res = await this.#transport.request(this.#coordinator, 'coordinator', body, { signal, maxResponseBytes: LIMITS.response });
    this.#meter.bytesReceived += res.length;
    return decodeResponse(res);
  }

  /** The run's status without joining (how a peer that knows only an address learns the run id). */
  async hello(signal: AbortSignal): Promise<RunStatus> {
    return this.#status(await this.request({ type: 'hello' }, signal), 'hello');
  }

  async join(run: Hash, peer: PeerKey, addrs: readonly string[], signal: AbortSignal): Promise<RunStatus> {
    return this.#status(await this.request({ type: 'join', run, peer, addrs: addrs.slice(0, 16) }, signal), 'join');
  }

  async heartbeat(run: Hash, peer: PeerKey, model: Hash | '', signal: AbortSignal): Promise<RunStatus> {
    const res = await this.request({ type: 'heartbeat', run, peer, round: 0, model }, signal);
    if (res.type === 'reject' && res.reason === 'unknown-peer') {
      this.rejoins += 1;
      return this.join(run, peer, this.#transport.addresses(), signal);
    }
    return this.#status(res, 'heartbeat');
  }

  async commit(run: Hash, signed: SignedCommitment, addrs: readonly string[], signal: AbortSignal): Promise<CoordinatorResponse> {
    return this.request({ type: 'commit', run, signed, addrs: addrs.slice(0, 16) }, signal);
  }

  #status(res: CoordinatorResponse, what: string): RunStatus {
    if (res.type === 'reject') throw new CoordinatorRefusedError(`${what} refused: ${res.reason}: ${res.message}`);
    return res;
  }
}


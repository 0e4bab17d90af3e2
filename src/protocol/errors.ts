/**
 * @file The protocol's one error class. Every refusal of a message, blob, record or ledger
 * carries a RejectReason, so a node can answer a peer with a `Rejection` naming it and log it
 * without parsing messages.
 */
import type { RejectReason } from './types.ts';

/**
 * Thrown by decoders, signature checks and ledger parsing; `reason` is what a node puts in
 * the `Rejection` it answers with.
 * @example
 * try { decodeRequest(bytes); } catch (e) {
 *   if (e instanceof ProtocolError) return encodeResponse({ type: 'reject', reason: e.reason, message: e.message });
 *   throw e;
 * }
 */
export class ProtocolError extends Error {
  readonly reason: RejectReason;

  constructor(reason: RejectReason, detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'ProtocolError';
    this.reason = reason;
  }
}

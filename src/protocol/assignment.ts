/**
 * @file Data assignment: which batches a trainer trains on in a round, a pure function of
 * (run, round, peer) that the coordinator, validators and the trainer itself all compute alike.
 */
import { encode } from 'cborg';
import { sha256Bytes, isHex64 } from './hash.ts';
import { ProtocolError } from './errors.ts';
import type { DataAssignment, Hash, PeerKey } from './types.ts';

/**
 * The assignment of `peer` in `round` of `run` with H inner steps per round:
 * - stream: the first 4 bytes (big-endian) of SHA-256(canonical CBOR [run, round, peer]),
 *   masked to 31 bits (so it is a non-negative int32 everywhere). Different peers get
 *   independent batch streams; the same peer gets a new stream each round.
 * - steps [(round - 1) * H, round * H): the global step numbers (training rounds count from 1;
 *   round 0 is the initial model), so the batches of inner step h are sampleBatch(train,
 *   { seed, step: (round - 1) * H + h, worker: stream }) and the learning-rate schedule
 *   continues across rounds.
 * Throws ProtocolError('malformed') for a malformed key or hash, a round below 1 or fractional
 * or H, or a step number beyond 2^53.
 * @example const { stream, firstStep, steps } = dataAssignment(runId, 3, me.peer, 20); // firstStep 40, steps 20
 */
export function dataAssignment(run: Hash, round: number, peer: PeerKey, H: number): DataAssignment {
  if (!isHex64(run) || !isHex64(peer)) throw new ProtocolError('malformed', 'dataAssignment: run and peer must be 64 lowercase hex characters');
  if (!Number.isSafeInteger(round) || round < 1) throw new ProtocolError('malformed', `dataAssignment: round ${round} is not a positive integer (training rounds count from 1)`);
  if (!Number.isSafeInteger(H) || H < 1) throw new ProtocolError('malformed', `dataAssignment: H ${H} is not a positive integer`);
  const firstStep = (round - 1) * H;
  if (!Number.isSafeInteger(firstStep + H)) throw new ProtocolError('malformed', `dataAssignment: round ${round} x H ${H} overflows`);
  const digest = sha256Bytes(encode([run, round, peer]));
  const stream = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) & 0x7fffffff;
  return { stream, firstStep, steps: H };
}

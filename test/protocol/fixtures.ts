/**
 * @file Shared protocol test data: deterministic identities, one valid example of every
 * message kind, and a seeded PRNG for the fuzz tests.
 */
import { createHash } from 'node:crypto';
import {
  dataAssignment, decodeAnnouncement, decodeBlobRequest, decodeCommitment, decodeRecord, decodeRequest, decodeResponse,
  decodeRunConfig, decodeSignedCommitment, decodeSignedRecord, encodeAnnouncement, encodeBlobRequest, encodeCommitment,
  encodeRecord, encodeRequest, encodeResponse, encodeRunConfig, encodeSignedCommitment, encodeSignedRecord, genesisRecord,
  identityFromSeed, nextRecord, signCommitment, signRecord, LIMITS,
  type Announcement, type Commitment, type CoordinatorRequest, type CoordinatorResponse, type Hash, type Identity,
  type RunConfig, type SignedRecord,
} from '../../src/protocol/index.ts';
import { seededRandom } from '../helpers.ts';

/** SHA-256 hex of a label, via node:crypto (independent of the code under test). */
export function h(label: string): Hash {
  return createHash('sha256').update(label).digest('hex');
}

/** The identity whose seed is 32 bytes of `n`. */
export function ident(n: number): Identity {
  return identityFromSeed(new Uint8Array(32).fill(n));
}

export const alice = ident(1);
export const bob = ident(2);
export const carol = ident(3);
export const coordinator = ident(9);
export const RUN = h('run');

export function commitment(who: Identity = alice, round = 4): Commitment {
  return {
    run: RUN, round, peer: who.peer, baseModel: h('base'), assignment: dataAssignment(RUN, round, who.peer, 20),
    payloadHash: h(`payload-${who.peer}`), payloadBytes: 12345, stepsRoot: h('steps'), loss: 3.25,
  };
}

export function sortedPeers(): string[] {
  return [alice.peer, bob.peer, carol.peer].sort();
}

export function records(): SignedRecord[] {
  const g = signRecord(coordinator, genesisRecord(RUN, h('model-0'), [], 1000));
  const r1 = signRecord(coordinator, nextRecord(g, {
    round: 1, members: sortedPeers(), accepted: [alice, bob].map((p) => ({ peer: p.peer, payloadHash: h(`p-${p.peer}`), commitmentHash: h(`c-${p.peer}`) }))
      .sort((a, b) => (a.peer < b.peer ? -1 : 1)),
    model: h('model-1'), time: 2000,
  }));
  return [g, r1];
}

export function runConfig(): RunConfig {
  return {
    name: 'tiny-diloco', model: { vocabSize: 256, contextLength: 128, numLayers: 4, numHeads: 4, embedDim: 128 }, seed: 1,
    batchSize: 4, H: 20, innerLr: 3e-3, warmupSteps: 20, rounds: 10, outer: { lr: 0.7, momentum: 0.9, nesterov: true },
    codec: { name: 'dct-topk', k: 32 }, errorFeedback: true, minPeers: 2, maxPeers: 64, trainSeconds: 120,
    heartbeatSeconds: 1, evictAfterSeconds: 6, corpus: { name: 'tinyshakespeare.txt', sha256: h('corpus') },
  };
}

export function requests(): CoordinatorRequest[] {
  return [
    { type: 'join', run: RUN, peer: alice.peer, addrs: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws'] },
    { type: 'heartbeat', run: RUN, peer: alice.peer, round: 4, model: h('base') },
    { type: 'heartbeat', run: RUN, peer: bob.peer, round: 0, model: '' },
    { type: 'commit', run: RUN, signed: signCommitment(alice, commitment()), addrs: [] },
    { type: 'leave', run: RUN, peer: carol.peer },
  ];
}

export function responses(): CoordinatorResponse[] {
  const [, last] = records();
  return [
    {
      type: 'status', run: RUN, phase: 'train', round: 4, members: sortedPeers(), model: h('base'), deadline: 1_700_000_000_000,
      providers: [{ peer: bob.peer, addrs: ['/ip4/10.0.0.2/tcp/4001'] }, { peer: alice.peer, addrs: [] }], last: last!,
    },
    { type: 'reject', reason: 'stale-round', message: 'commitment for round 3; round 4 is train' },
  ];
}

export function announcements(): Announcement[] {
  const [, last] = records();
  return [
    { type: 'round-open', run: RUN, round: 5, model: h('m5'), deadline: 123456789, members: sortedPeers() },
    { type: 'round-closed', last: last! },
    { type: 'model', run: RUN, round: 5, peer: bob.peer, model: h('m5') },
  ];
}

/** One decoder with its encoder and valid examples: the unit every generic wire test runs over. */
export interface Kind {
  readonly name: string;
  readonly limit: number;
  readonly decode: (b: Uint8Array) => unknown;
  readonly encode: (x: never) => Uint8Array;
  readonly examples: readonly unknown[];
}

export function kinds(): Kind[] {
  const [g, r1] = records();
  return [
    { name: 'Commitment', limit: LIMITS.commitment, decode: decodeCommitment, encode: encodeCommitment, examples: [commitment()] },
    { name: 'SignedCommitment', limit: LIMITS.commitment, decode: decodeSignedCommitment, encode: encodeSignedCommitment, examples: [signCommitment(bob, commitment(bob))] },
    { name: 'RoundRecord', limit: LIMITS.record, decode: decodeRecord, encode: encodeRecord, examples: [g!.record, r1!.record] },
    { name: 'SignedRecord', limit: LIMITS.record, decode: decodeSignedRecord, encode: encodeSignedRecord, examples: [g!, r1!] },
    { name: 'CoordinatorRequest', limit: LIMITS.request, decode: decodeRequest, encode: encodeRequest, examples: requests() },
    { name: 'CoordinatorResponse', limit: LIMITS.response, decode: decodeResponse, encode: encodeResponse, examples: responses() },
    { name: 'BlobRequest', limit: LIMITS.blobRequest, decode: decodeBlobRequest, encode: encodeBlobRequest, examples: [{ type: 'blob', hash: h('blob') }] },
    { name: 'Announcement', limit: LIMITS.announcement, decode: decodeAnnouncement, encode: encodeAnnouncement, examples: announcements() },
    { name: 'RunConfig', limit: LIMITS.runConfig, decode: decodeRunConfig, encode: encodeRunConfig, examples: [runConfig(), { ...runConfig(), codec: { name: 'int8' } }] },
  ];
}

/** mulberry32: a tiny seeded PRNG, so a failing fuzz case can be replayed. */
export const prng = seededRandom;

/**
 * @file Layer 6, net: js-libp2p wiring that implements the protocol's `Transport` and
 * `BlobStore`. The shims come first: ESM evaluates imports in order, so Promise.withResolvers
 * and WebSocket exist on Node 20 before any libp2p module runs.
 *
 * @example
 * ```ts
 * import { createNetNode, Libp2pTransport, loadOrCreateKey } from './net/index.ts';
 * const transport = new Libp2pTransport(await createNetNode({ privateKey: await loadOrCreateKey('peer.key') }));
 * ```
 */
export { installShims, shimsInstalled } from './shims.ts';
export { InvalidPeerKeyError, KeyFileError, loadOrCreateKey, peerIdFromPeerKey, peerKeyFromPeerId, peerKeyFromPublicKey, signingSeed } from './keys.ts';
export { DEFAULT_LISTEN, DEFAULT_MAX_GOSSIP_BYTES, createNetNode, type NetNode, type NetNodeInit, type NetServices } from './node.ts';
export { FrameTooLargeError, MalformedFrameError, encodeLength, readFrame, writeFrame, type ReadFrameOptions, type WriteFrameOptions } from './frame.ts';
export {
  GossipTooLargeError, Libp2pTransport, PeerMismatchError, RequestTimeoutError, SERVICE_PROTOCOLS, TransportClosedError,
  type Libp2pRequestOptions, type Libp2pTransportInit,
} from './transport.ts';
export {
  BLOB_BAD_REQUEST, BLOB_FOUND, BLOB_NOT_FOUND, BlobFetchError, DirBlobStore, MemoryBlobStore, fetchBlob, serveBlobs, sha256HexFast,
  type BlobFailure, type BlobFailureReason, type FetchBlobOptions,
} from './blobs.ts';

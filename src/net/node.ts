/**
 * @file A started js-libp2p node with the stack Tessera uses: TCP (server to server) and
 * WebSockets (browsers later) listeners, noise encryption, yamux multiplexing, identify, ping,
 * and gossipsub for small announcements. Libp2pTransport (transport.ts) adds the Tessera
 * request/response protocols on top.
 */
import './shims.ts';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { webSockets } from '@libp2p/websockets';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createLibp2p } from 'libp2p';
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface';
import type { PeerKey } from '../protocol/types.ts';
import { peerKeyFromPeerId } from './keys.ts';

/**
 * The services every Tessera node runs; `libp2p.services.pubsub` is gossipsub.
 *
 * @example
 * ```ts
 * await node.libp2p.services.ping.ping(peerId); // round-trip ms
 * ```
 */
// A type alias, not an interface: libp2p's ServiceMap needs the implicit index signature.
export type NetServices = {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
};

/**
 * Listen on loopback only unless told otherwise: a node is reachable from outside by choice.
 *
 * @example
 * ```ts
 * createNetNode({ listen: ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws'] }); // instead of DEFAULT_LISTEN
 * ```
 */
export const DEFAULT_LISTEN: readonly string[] = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'];

/**
 * Default cap on one gossip message (announcements are small; blobs go over streams).
 *
 * @example
 * ```ts
 * createNetNode({ maxGossipBytes: 2 * DEFAULT_MAX_GOSSIP_BYTES });
 * ```
 */
export const DEFAULT_MAX_GOSSIP_BYTES = 256 * 1024;

/**
 * How to build a node (all optional).
 *
 * @example
 * ```ts
 * const init: NetNodeInit = { privateKey, listen: ['/ip4/0.0.0.0/tcp/4001'], announce: ['/dns4/coord.example.org/tcp/4001'] };
 * ```
 */
export interface NetNodeInit {
  /** The node's identity (see loadOrCreateKey); a fresh ephemeral key when absent. */
  readonly privateKey?: Ed25519PrivateKey;
  /** Multiaddrs to listen on; default DEFAULT_LISTEN (TCP and WebSockets on 127.0.0.1, any port). */
  readonly listen?: readonly string[];
  /** Multiaddrs to announce instead of the listen addresses (e.g. a public IP behind NAT). */
  readonly announce?: readonly string[];
  /** Largest gossip message accepted from the network; default DEFAULT_MAX_GOSSIP_BYTES. */
  readonly maxGossipBytes?: number;
  /**
   * New inbound connections accepted per second from one IP address; default 100. libp2p's own
   * default is 5, which refuses (ECONNRESET) the sixth peer of a loopback swarm, or of a lab
   * behind one NAT, that connects within the same second.
   */
  readonly inboundConnectionThreshold?: number;
  /** Inbound connections still in their handshake at one time; default 64 (libp2p's is 10). */
  readonly maxIncomingPendingConnections?: number;
}

/**
 * A started libp2p node plus the few things Tessera asks of it.
 *
 * @example
 * ```ts
 * const node: NetNode = await createNetNode();
 * console.log(node.peerKey, node.multiaddrs());
 * ```
 */
export interface NetNode {
  readonly libp2p: Libp2p<NetServices>;
  /** This node's PeerKey (64 hex of its ed25519 public key). */
  readonly peerKey: PeerKey;
  /** The largest gossip message this node accepts (and publishes). */
  readonly maxGossipBytes: number;
  /** Listen addresses as strings ending in /p2p/<peerId>, ready to print or pass to `tessera join`. */
  multiaddrs(): string[];
  /** Stops the node: closes connections and listeners. */
  stop(): Promise<void>;
}

/**
 * Creates and starts a libp2p node.
 *
 * Gossipsub settings for small swarms (2 to a few dozen peers on loopback or a LAN):
 * - `allowPublishToZeroTopicPeers: true`: a coordinator alone in its run must still be able to
 *   announce (its announcements are also pollable, so nobody depends on them arriving);
 * - `emitSelf: false`: a node never receives its own announcements, so the protocol layer does
 *   not have to filter them out (the in-memory transport should behave the same way);
 * - `floodPublish: true` (the default): our own messages go to every peer subscribed to the
 *   topic, not only the mesh, which with few peers is the same set but removes any dependence on
 *   the mesh having formed (heartbeats every second) before the first announcement.
 * - messages must be signed (StrictSign, the default), so `from` is authenticated.
 *
 * @example
 * ```ts
 * const node = await createNetNode({ privateKey: await loadOrCreateKey('peer.key') });
 * console.log(node.multiaddrs()); // ['/ip4/127.0.0.1/tcp/40123/p2p/12D3KooW...', '.../ws/p2p/12D3KooW...']
 * await node.stop();
 * ```
 */
export async function createNetNode(init: NetNodeInit = {}): Promise<NetNode> {
  const privateKey = init.privateKey ?? await generateKeyPair('Ed25519');
  const maxGossipBytes = init.maxGossipBytes ?? DEFAULT_MAX_GOSSIP_BYTES;
  const libp2p = await createLibp2p<NetServices>({
    privateKey,
    nodeInfo: { name: 'tessera', version: '0.1.0' },
    addresses: {
      listen: [...(init.listen ?? DEFAULT_LISTEN)],
      ...(init.announce === undefined ? {} : { announce: [...init.announce] }),
    },
    connectionManager: {
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? 100,
      maxIncomingPendingConnections: init.maxIncomingPendingConnections ?? 64,
    },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        floodPublish: true,
        // The RPC frame limit: one message plus room for protobuf framing and control data.
        maxInboundDataLength: maxGossipBytes + 64 * 1024,
      }),
    },
  });
  const peerKey = peerKeyFromPeerId(libp2p.peerId);
  return {
    libp2p,
    peerKey,
    maxGossipBytes,
    multiaddrs: () => libp2p.getMultiaddrs().map((ma) => {
      const s = ma.toString();
      return s.includes('/p2p/') ? s : `${s}/p2p/${libp2p.peerId.toString()}`;
    }),
    stop: async () => { await libp2p.stop(); },
  };
}

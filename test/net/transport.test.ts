import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import {
  FrameTooLargeError, Libp2pTransport, MalformedFrameError, PeerMismatchError, RequestTimeoutError, SERVICE_PROTOCOLS,
  createNetNode, encodeLength, peerKeyFromPeerId, type Libp2pTransport as T,
} from '../../src/net/index.ts';
import type { PeerKey } from '../../src/protocol/types.ts';
import { addrsOf, deferred, startPeer, stopAll, text, utf8, waitFor, within } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
after(() => stopAll(cleanup));

/** The server: 'coordinator' echoes "<from>:<body>" and misbehaves on request. */
let server: T;
const streamErrors: Array<{ name: string; from: PeerKey | undefined }> = [];
let hang = deferred();
let handlerStarted = deferred();

before(async () => {
  server = await startPeer(cleanup, { onStreamError: (err, _service, from) => streamErrors.push({ name: err.name, from }) });
  server.handle('coordinator', async (body, from) => {
    const s = text(body);
    if (s === 'throw') throw new Error('handler bug');
    if (s === 'hang') { handlerStarted.resolve(); await hang.promise; }
    if (s === 'big') return new Uint8Array(100_000);
    return utf8(`${from}:${s}`);
  }, { maxRequestBytes: 1024 });
});

/** The connection `client` uses to reach the server. */
function connectionTo(client: T): string {
  const conns = client.node.libp2p.getConnections(server.node.libp2p.peerId);
  assert.equal(conns.length, 1);
  return conns[0]!.remoteAddr.toString();
}

describe('request/response', () => {
  it('round trip over TCP', async () => {
    const client = await startPeer(cleanup);
    const res = await client.request({ peer: server.self, addrs: addrsOf(server, 'tcp') }, 'coordinator', utf8('hi'));
    assert.equal(text(res), `${client.self}:hi`);
    assert.doesNotMatch(connectionTo(client), /\/ws/);
    // A second request reuses the connection (dial by peer key, no addresses needed).
    assert.equal(text(await client.request({ peer: server.self, addrs: [] }, 'coordinator', utf8('again'))), `${client.self}:again`);
  });

  it('round trip over WebSockets', async () => {
    const client = await startPeer(cleanup);
    const res = await client.request({ peer: server.self, addrs: addrsOf(server, 'ws') }, 'coordinator', utf8('ws'));
    assert.equal(text(res), `${client.self}:ws`);
    assert.match(connectionTo(client), /\/ws/);
  });

  it('refuses an oversized request (stream reset) and keeps serving', async () => {
    const client = await startPeer(cleanup);
    const to = { peer: server.self, addrs: addrsOf(server, 'tcp') };
    const before = streamErrors.length;
    await assert.rejects(client.request(to, 'coordinator', new Uint8Array(4096)));
    await waitFor('server stream error', () => streamErrors.length > before, 2000);
    assert.equal(streamErrors.at(-1)!.name, 'FrameTooLargeError');
    assert.equal(streamErrors.at(-1)!.from, client.self);
    assert.equal(text(await client.request(to, 'coordinator', utf8('next'))), `${client.self}:next`);
  });

  it('a handler that throws resets the stream; the server keeps serving', async () => {
    const client = await startPeer(cleanup);
    const to = { peer: server.self, addrs: addrsOf(server, 'tcp') };
    await assert.rejects(client.request(to, 'coordinator', utf8('throw')));
    await waitFor('server stream error', () => streamErrors.some((e) => e.name === 'Error'), 2000);
    assert.equal(text(await client.request(to, 'coordinator', utf8('ok'))), `${client.self}:ok`);
  });

  it('malformed frames (endless prefix, truncated body, trailing bytes) are refused without harm', async () => {
    const client = await startPeer(cleanup);
    await client.request({ peer: server.self, addrs: addrsOf(server, 'tcp') }, 'coordinator', utf8('connect'));
    const cases: Array<[string, Uint8Array, boolean]> = [
      ['endless length prefix', new Uint8Array(12).fill(0xff), false],
      ['body shorter than announced', Uint8Array.of(100, 1, 2, 3), true],
      ['bytes after the frame', Uint8Array.of(2, 1, 2, 3), true],
    ];
    for (const [what, bytes, closeWrite] of cases) {
      const before = streamErrors.filter((e) => e.name === 'MalformedFrameError').length;
      // A raw stream on the open connection, to send what Libp2pTransport never would.
      const stream = await client.node.libp2p.dialProtocol(server.node.libp2p.peerId, SERVICE_PROTOCOLS.coordinator);
      const closed = new Promise<void>((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));
      stream.send(bytes);
      if (closeWrite) await stream.close();
      await within(closed, 3000, `${what}: stream end`);
      await waitFor(`${what}: server error`, () => streamErrors.filter((e) => e.name === 'MalformedFrameError').length > before, 2000);
    }
    assert.equal(text(await client.request({ peer: server.self, addrs: [] }, 'coordinator', utf8('fine'))), `${client.self}:fine`);
  });

  it('refuses a response over maxResponseBytes', async () => {
    const client = await startPeer(cleanup);
    const to = { peer: server.self, addrs: addrsOf(server, 'tcp') };
    await assert.rejects(client.request(to, 'coordinator', utf8('big'), { maxResponseBytes: 1000 }), FrameTooLargeError);
    assert.equal((await client.request(to, 'coordinator', utf8('big'))).length, 100_000);
  });

  it('times out', async () => {
    hang = deferred(); handlerStarted = deferred();
    const client = new Libp2pTransport(await createNetNode(), { requestTimeoutMs: 300 });
    cleanup.push(() => client.close());
    const t0 = Date.now();
    await assert.rejects(client.request({ peer: server.self, addrs: addrsOf(server, 'tcp') }, 'coordinator', utf8('hang')), RequestTimeoutError);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    hang.resolve();
  });

  it('honours an AbortSignal', async () => {
    hang = deferred(); handlerStarted = deferred();
    const client = await startPeer(cleanup);
    const controller = new AbortController();
    const pending = client.request({ peer: server.self, addrs: addrsOf(server, 'tcp') }, 'coordinator', utf8('hang'), { signal: controller.signal });
    pending.catch(() => {}); // asserted below; keeps an early failure from being an unhandled rejection
    await within(handlerStarted.promise, 3000, 'handler start');
    controller.abort(new Error('user gave up'));
    await assert.rejects(within(pending, 1000, 'abort'), /user gave up/);
    hang.resolve();
    // An already-aborted signal fails at once.
    await assert.rejects(client.request({ peer: server.self, addrs: [] }, 'coordinator', utf8('x'), { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('refuses addresses that belong to another peer', async () => {
    const client = await startPeer(cleanup);
    const other = peerKeyFromPeerId(peerIdFromPrivateKey(await generateKeyPair('Ed25519')));
    await assert.rejects(client.request({ peer: other, addrs: addrsOf(server, 'tcp') }, 'coordinator', utf8('x')), PeerMismatchError);
    // Without /p2p/ the dial reaches the server, whose noise handshake proves a different key.
    const bare = addrsOf(server, 'tcp').map((a) => a.replace(/\/p2p\/.*$/, ''));
    await assert.rejects(client.request({ peer: other, addrs: bare }, 'coordinator', utf8('x'), { timeoutMs: 3000 }));
  });

  it('encodes lengths as minimal unsigned varints', () => {
    assert.deepEqual(encodeLength(0), Uint8Array.of(0));
    assert.deepEqual(encodeLength(127), Uint8Array.of(127));
    assert.deepEqual(encodeLength(300), Uint8Array.of(0xac, 0x02));
    assert.ok(new MalformedFrameError('x') instanceof Error);
  });
});

describe('gossip', () => {
  it('delivers a small message among 3 nodes (star around a coordinator)', async () => {
    const [hub, a, b] = [await startPeer(cleanup), await startPeer(cleanup), await startPeer(cleanup)];
    const topic = 'tessera/test/run';
    const got = new Map<PeerKey, Array<{ body: string; from: PeerKey }>>();
    for (const t of [hub, a, b]) {
      got.set(t.self, []);
      t.subscribe(topic, (body, from) => got.get(t.self)!.push({ body: text(body), from }));
    }
    // a and b know only the hub (as trainers know only the coordinator).
    for (const t of [a, b]) await t.node.libp2p.dial(hub.node.libp2p.getMultiaddrs());
    const subscribers = (t: T): string[] => t.node.libp2p.services.pubsub.getSubscribers(topic).map(String);
    const mesh = (t: T): string[] => (t.node.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topic);
    const id = (t: T): string => t.node.libp2p.peerId.toString();
    await waitFor('subscriptions to propagate', () =>
      subscribers(hub).includes(id(a)) && subscribers(hub).includes(id(b)) && subscribers(a).includes(id(hub)) && subscribers(b).includes(id(hub)));
    // The hub relays a's message to b only once b is in the hub's mesh (grafted on join or at a heartbeat).
    await waitFor('the hub mesh to hold both', () => mesh(hub).includes(id(a)) && mesh(hub).includes(id(b)));

    await hub.publish(topic, utf8('round-open 1'));
    await a.publish(topic, utf8('model from a'));
    await waitFor('delivery', () => got.get(a.self)!.length >= 1 && got.get(b.self)!.length >= 2 && got.get(hub.self)!.length >= 1);
    assert.deepEqual(got.get(a.self), [{ body: 'round-open 1', from: hub.self }], 'no echo of its own message (emitSelf: false)');
    assert.deepEqual(got.get(hub.self), [{ body: 'model from a', from: a.self }]);
    assert.deepEqual(new Set(got.get(b.self)!.map((m) => `${m.body}|${m.from}`)), new Set([`round-open 1|${hub.self}`, `model from a|${a.self}`]));
    await assert.rejects(hub.publish(topic, new Uint8Array(hub.node.maxGossipBytes + 1)), { name: 'GossipTooLargeError' });
  });
});

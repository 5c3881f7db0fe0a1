import { createSeededRandom, VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { encodeDatagram, encodedMemberSize, encodeMessage } from '../../src/codec.js';
import { lanClusterConfig } from '../../src/config.js';
import type { GossipMessage } from '../../src/messages.js';
import { createNodeId } from '../../src/node-id.js';
import { SharedMessageCodec } from '../../src/simulation/shared-message-codec.js';
import { SimulatedCluster } from '../../src/simulation/simulated-cluster.js';
import { SimulatedNetwork } from '../../src/simulation/simulated-network.js';
import { SwimProtocol } from '../../src/swim.js';

const ack: GossipMessage = { kind: 'ack', seq: 7, from: 'node-a' };
const alive: GossipMessage = {
  kind: 'alive',
  id: 'node-b',
  incarnation: 2,
  gossipAddress: '10.0.0.2:7946',
  rpcAddress: undefined,
  tags: { role: 'worker' },
};

/** Freezes every object and array reachable from `value`; typed arrays cannot be frozen. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** Freezes each message it encodes and keeps a copy, to check nobody changed it afterwards. */
class FreezingCodec extends SharedMessageCodec {
  readonly sent: Array<{ message: GossipMessage; copy: GossipMessage }> = [];

  override encodeMessage(message: GossipMessage): Uint8Array {
    if (!Object.isFrozen(message)) {
      this.sent.push({ message, copy: structuredClone(message) });
      deepFreeze(message);
    }
    return super.encodeMessage(message);
  }
}

describe('SharedMessageCodec', () => {
  it('encodes the wire bytes and hands back the very messages of a datagram it assembled', () => {
    const codec = new SharedMessageCodec();
    const parts = [codec.encodeMessage(ack), codec.encodeMessage(alive)];
    expect([...parts[0]!]).toEqual([...encodeMessage(ack)]);
    const datagram = codec.assembleDatagram(parts);
    expect([...datagram]).toEqual([...encodeDatagram([ack, alive])]);
    const received = codec.decodeDatagram(datagram);
    expect(received[0]).toBe(ack);
    expect(received[1]).toBe(alive);
    // A message sent again (a gossiped update) is encoded once.
    expect(codec.encodeMessage(alive)).toBe(parts[1]);
  });

  it('encodes a push-pull from its members encoded once, to the wire bytes and sizes', () => {
    const codec = new SharedMessageCodec();
    const member = {
      id: 'node-c',
      incarnation: 1,
      state: 'suspect',
      gossipAddress: '10.0.0.3:7946',
      tags: { zone: 'a' },
    } as const;
    const pushPull = (members: readonly (typeof member)[]): GossipMessage => ({
      kind: 'push-pull',
      from: 'node-a',
      join: false,
      reply: true,
      first: true,
      last: false,
      members: [...members],
      bucketCount: 200,
      wantBuckets: [3, 150],
    });
    for (const message of [pushPull([]), pushPull([member]), pushPull([member, member])]) {
      expect([...codec.encodeMessage(message)]).toEqual([...encodeMessage(message)]);
    }
    expect(codec.encodedMemberSize(member)).toBe(encodedMemberSize(member));
  });

  it('decodes a datagram it did not assemble: a copy, or bytes encoded elsewhere', () => {
    const codec = new SharedMessageCodec();
    const datagram = codec.assembleDatagram([codec.encodeMessage(ack)]);
    const copy = codec.decodeDatagram(datagram.slice());
    expect(copy[0]).not.toBe(ack);
    expect(copy).toEqual([ack]);
    expect(codec.decodeDatagram(encodeDatagram([alive]))).toEqual([alive]);
    // One part encoded outside the codec: the whole datagram is decoded.
    const mixed = codec.assembleDatagram([codec.encodeMessage(ack), encodeMessage(alive)]);
    const decoded = codec.decodeDatagram(mixed);
    expect(decoded[0]).not.toBe(ack);
    expect(decoded).toEqual([ack, alive]);
  });

  it('leaves every message the protocol sends unchanged after sending it (20 nodes, a crash)', () => {
    const clock = new VirtualClock();
    const random = createSeededRandom(5);
    const network = new SimulatedNetwork({
      clock,
      random,
      jitterMs: 2,
      lossRate: 0.05,
      copyDatagrams: false,
    });
    const codec = new FreezingCodec();
    const config = lanClusterConfig({});
    const nodes = Array.from({ length: 20 }, () => {
      const transport = network.createTransport();
      return new SwimProtocol({
        config,
        transport,
        clock,
        random,
        codec,
        local: {
          id: createNodeId(random),
          gossipAddress: transport.localAddress,
          tags: { z: 'a' },
        },
      });
    });
    for (const node of nodes) node.start();
    for (const node of nodes.slice(1)) {
      node.join([nodes[0]!.localNode().gossipAddress]).catch(() => {});
    }
    clock.advance(10_000);
    nodes[0]!.setTags({ z: 'b' });
    nodes[19]!.stop();
    clock.advance(30_000);
    const live = nodes.slice(0, 19);
    // The cluster worked on shared, frozen messages: nothing threw on a write.
    for (const node of live) {
      expect(node.members().length).toBe(19);
      expect(node.metrics().drops['handler-error'] ?? 0).toBe(0);
    }
    const kinds = new Set(codec.sent.map(({ message }) => message.kind));
    expect([...kinds]).toEqual(
      expect.arrayContaining(['ping', 'ack', 'alive', 'suspect', 'dead', 'push-pull', 'digest']),
    );
    for (const { message, copy } of codec.sent) expect(message).toEqual(copy);
    for (const node of live) node.stop();
  });

  it('gives a seeded cluster the same events and bytes as decoding every datagram, sized-only too', () => {
    const run = (share: boolean, wireBytes = true) => {
      const cluster = new SimulatedCluster({
        seed: 9,
        jitterMs: 3,
        lossRate: 0.05,
        shareDecodedMessages: share,
        wireBytes,
      });
      const nodes = cluster.addNodes(30, { tags: { zone: 'a' } });
      cluster.clock.advance(10_000);
      cluster.crash(nodes[7]!.id);
      nodes[3]!.protocol.setTags({ zone: 'b' });
      cluster.clock.advance(30_000);
      const events = cluster.nodes.flatMap((node) =>
        node.events.map(({ at, event }) => ({
          node: node.id,
          at,
          type: event.type,
          subject: 'node' in event ? event.node.id : '',
        })),
      );
      return { events, stats: cluster.network.stats() };
    };
    const shared = run(true);
    expect(shared.events.filter((event) => event.type === 'NodeFailed')).toHaveLength(29);
    expect(shared).toEqual(run(false));
    expect(run(true, false)).toEqual(shared);
  });

  it('sized-only, gives messages and datagrams their wire lengths in zeros', () => {
    const wire = new SharedMessageCodec();
    const sized = new SharedMessageCodec({ wireBytes: false });
    const member = (id: string, tags: Record<string, string>) =>
      ({ id, incarnation: 300, state: 'alive', gossipAddress: '10.0.0.3:7946', tags }) as const;
    const messages: GossipMessage[] = [
      ack,
      alive,
      {
        kind: 'push-pull',
        from: 'node-a',
        join: true,
        reply: false,
        first: true,
        last: true,
        members: [member('node-c', { zone: 'a' }), member('node-d', {})],
      },
      {
        kind: 'push-pull',
        from: 'node-a',
        join: false,
        reply: true,
        first: false,
        last: true,
        members: Array.from({ length: 20 }, (_, i) => member(`node-${i}`, { role: 'w' })),
        bucketCount: 256,
        wantBuckets: [1, 200],
        fingerprints: Uint32Array.of(1, 2, 3),
        wantFingerprints: Uint32Array.of(9),
      },
    ];
    for (const message of messages) {
      const bytes = sized.encodeMessage(message);
      expect(bytes.length).toBe(wire.encodeMessage(message).length);
      if (message.kind === 'push-pull') expect(bytes.every((byte) => byte === 0)).toBe(true);
    }
    const parts = messages.map((message) => sized.encodeMessage(message));
    const datagram = sized.assembleDatagram(parts);
    expect(datagram.length).toBe(encodeDatagram(messages).length);
    expect(datagram.every((byte) => byte === 0)).toBe(true);
    expect(sized.decodeDatagram(datagram)).toEqual(messages);
    expect(sized.encodedMemberSize(member('node-c', { zone: 'a' }))).toBe(
      encodedMemberSize(member('node-c', { zone: 'a' })),
    );
  });
});

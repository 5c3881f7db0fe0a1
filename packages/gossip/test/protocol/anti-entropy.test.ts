import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram, encodedMessageSize } from '../../src/codec.js';
import { bucketOf, idHash, memberDigest, recordFingerprint } from '../../src/member-digest.js';
import type { GossipMessage, MemberRecord, PushPullMessage } from '../../src/messages.js';
import { SimulatedCluster } from '../../src/simulation/simulated-cluster.js';
import { formCluster, stateOf } from './harness.js';

/** Every message a raw peer at `address` receives, decoded. */
function rawPeer(cluster: SimulatedCluster, address: string) {
  const transport = cluster.network.createTransport(address);
  const received: GossipMessage[] = [];
  transport.onPacket((data) => received.push(...decodeDatagram(data)));
  return { transport, received };
}

/** Counts the bytes of anti-entropy messages (digests and push-pulls) every node receives. */
function countAntiEntropyBytes(cluster: SimulatedCluster): { bytes: number } {
  const total = { bytes: 0 };
  for (const node of cluster.nodes) {
    const protocol = node.protocol;
    const receive = protocol.handlePacket.bind(protocol);
    protocol.handlePacket = (data, from) => {
      for (const message of decodeDatagram(data)) {
        if (message.kind === 'digest' || message.kind === 'push-pull') {
          total.bytes += encodedMessageSize(message);
        }
      }
      receive(data, from);
    };
  }
  return total;
}

/** A reply within a digest exchange of `bucketCount` buckets from `from`, in one datagram. */
function digestReply(
  from: string,
  bucketCount: number,
  fields: Partial<PushPullMessage>,
): PushPullMessage {
  return {
    kind: 'push-pull',
    from,
    join: false,
    reply: true,
    first: true,
    last: true,
    members: [],
    bucketCount,
    ...fields,
  };
}

describe('digest-based anti-entropy', () => {
  it('answers a digest of an equal table with one push-pull that carries no record', () => {
    const cluster = formCluster(20, { seed: 1701 });
    cluster.clock.advance(5_000);
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const peer = rawPeer(cluster, 'peer:1');
    const table = b.protocol.members({ includeDead: true });
    peer.transport.send(
      a.address,
      encodeDatagram([
        { kind: 'digest', from: b.id, bucketCount: 3, checksums: memberDigest(table, 3) },
      ]),
    );
    cluster.clock.advance(10);
    const answers = peer.received.filter((message) => message.kind === 'push-pull');
    expect(answers).toEqual([
      expect.objectContaining({
        kind: 'push-pull',
        from: a.id,
        reply: true,
        members: [],
        bucketCount: 3,
        wantBuckets: [],
      }),
    ]);
  });

  it('sends only the differing bucket, asks for it back, and adopts the newer record', () => {
    const cluster = formCluster(40, { seed: 1702 });
    cluster.clock.advance(5_000);
    const [a, b, c] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const peer = rawPeer(cluster, 'peer:1');
    // b's view, in which c is alive at a higher incarnation than a knows.
    const table = b.protocol
      .members({ includeDead: true })
      .map((node) => (node.id === c.id ? { ...node, incarnation: node.incarnation + 1 } : node));
    const bucketCount = 5;
    peer.transport.send(
      a.address,
      encodeDatagram([
        { kind: 'digest', from: b.id, bucketCount, checksums: memberDigest(table, bucketCount) },
      ]),
    );
    cluster.clock.advance(10);
    const bucket = bucketOf(c.id, bucketCount);
    const [answer] = peer.received.filter(
      (message): message is PushPullMessage => message.kind === 'push-pull',
    );
    expect(answer?.wantBuckets).toEqual([bucket]);
    const inBucket = a.protocol
      .members({ includeDead: true })
      .filter((node) => bucketOf(node.id, bucketCount) === bucket);
    expect(answer?.members.map((member) => member.id).sort()).toEqual(
      inBucket.map((node) => node.id).sort(),
    );
    expect(answer!.members.length).toBeLessThan(table.length / 2);
    // The digest's sender sends its records of that bucket back, ending the exchange.
    peer.received.length = 0;
    const newer = table.find((node) => node.id === c.id)!;
    peer.transport.send(
      a.address,
      encodeDatagram([digestReply(b.id, bucketCount, { members: [newer] })]),
    );
    cluster.clock.advance(10);
    expect(a.protocol.members().find((node) => node.id === c.id)?.incarnation).toBe(
      newer.incarnation,
    );
    expect(peer.received.filter((message) => message.kind === 'push-pull')).toEqual([]);
  });

  it('answers a digest that asks for fingerprints with fingerprints only, then sends just what was asked for', () => {
    const cluster = formCluster(40, { seed: 1702 });
    cluster.clock.advance(5_000);
    const [a, b, c, d] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    const peer = rawPeer(cluster, 'peer:1');
    // b's view: c alive at a higher incarnation than a knows, and d missing.
    const table = b.protocol
      .members({ includeDead: true })
      .filter((node) => node.id !== d.id)
      .map((node) => (node.id === c.id ? { ...node, incarnation: node.incarnation + 1 } : node));
    const bucketCount = 8;
    peer.transport.send(
      a.address,
      encodeDatagram([
        {
          kind: 'digest',
          from: b.id,
          bucketCount,
          checksums: memberDigest(table, bucketCount),
          answerFingerprints: true,
        },
      ]),
    );
    cluster.clock.advance(10);
    const answers = peer.received.filter(
      (message): message is PushPullMessage => message.kind === 'push-pull',
    );
    const differing = [...new Set([bucketOf(c.id, bucketCount), bucketOf(d.id, bucketCount)])];
    expect(answers.flatMap((answer) => answer.wantBuckets ?? []).sort()).toEqual(differing.sort());
    expect(answers.flatMap((answer) => answer.members)).toEqual([]);
    const fingerprintOf = (node: MemberRecord): number => recordFingerprint(idHash(node.id), node);
    const aInDiffering = a.protocol
      .members({ includeDead: true })
      .filter((node) => differing.includes(bucketOf(node.id, bucketCount)));
    expect(answers.flatMap((answer) => [...(answer.fingerprints ?? [])]).sort()).toEqual(
      aInDiffering.map(fingerprintOf).sort(),
    );
    // The digest's sender sends what a lacks (c's newer record) and asks for what it lacks (d).
    peer.received.length = 0;
    const newer = table.find((node) => node.id === c.id)!;
    const dRecord = aInDiffering.find((node) => node.id === d.id)!;
    peer.transport.send(
      a.address,
      encodeDatagram([
        digestReply(b.id, bucketCount, { members: [newer] }),
        digestReply(b.id, bucketCount, {
          wantFingerprints: new Uint32Array([fingerprintOf(dRecord)]),
        }),
      ]),
    );
    cluster.clock.advance(10);
    expect(a.protocol.members().find((node) => node.id === c.id)?.incarnation).toBe(
      newer.incarnation,
    );
    const sent = peer.received.filter(
      (message): message is PushPullMessage => message.kind === 'push-pull',
    );
    expect(sent.flatMap((message) => message.members.map((member) => member.id))).toEqual([d.id]);
    expect(sent.every((message) => message.reply && message.bucketCount === bucketCount)).toBe(
      true,
    );
  });

  it('falls back to a full-state exchange with a member that does not answer digests', () => {
    const cluster = formCluster(2, { seed: 1703 });
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    // b behaves like a revision-1 node: it drops any datagram carrying a digest.
    const seenByB: Array<{ at: number; message: GossipMessage }> = [];
    const receive = b.protocol.handlePacket.bind(b.protocol);
    b.protocol.handlePacket = (data, from) => {
      const messages = decodeDatagram(data);
      for (const message of messages) seenByB.push({ at: cluster.clock.now(), message });
      if (messages.some((message) => message.kind === 'digest')) return;
      receive(data, from);
    };
    cluster.clock.advance(2 * cluster.config.pushPullIntervalMs);
    const digests = seenByB.filter(({ message }) => message.kind === 'digest');
    expect(digests.length).toBeGreaterThan(0);
    const fromA = digests.find(({ message }) => 'from' in message && message.from === a.id)!;
    const fallback = seenByB.find(
      ({ at, message }) =>
        at > fromA.at &&
        message.kind === 'push-pull' &&
        message.from === a.id &&
        !message.reply &&
        message.bucketCount === undefined,
    );
    expect(fallback).toBeDefined();
    expect(fallback!.at - fromA.at).toBeLessThanOrEqual(2 * cluster.config.probeIntervalMs + 10);
    expect((fallback!.message as PushPullMessage).members).toHaveLength(2);
  });

  it('costs about the same per node at 40 and at 160 members', () => {
    const perNode = (size: number): number => {
      const cluster = formCluster(size, { seed: 1704 });
      cluster.clock.advance(60_000);
      const counted = countAntiEntropyBytes(cluster);
      // Two push-pull periods at 160 members (the period grows with the cluster).
      const windowMs = 8 * cluster.config.pushPullIntervalMs;
      cluster.clock.advance(windowMs);
      return counted.bytes / size / (windowMs / 1000);
    };
    const small = perNode(40);
    const large = perNode(160);
    // A full-state exchange would cost twice as much per node at 160 as at 40 (4x the records,
    // half as often); the digest keeps it flat.
    expect(large).toBeLessThan(1.3 * small);
    expect(large).toBeGreaterThan(0);
  }, 120_000);

  it('pulls by digest from a member whose gossip names several members it did not know', () => {
    const cluster = formCluster(3, { seed: 1705 });
    cluster.clock.advance(5_000);
    const a = cluster.nodes[0]!;
    const peer = rawPeer(cluster, 'peer:1');
    const alive = (id: string, gossipAddress: string): GossipMessage => ({
      kind: 'alive',
      id,
      incarnation: 0,
      gossipAddress,
      tags: {},
    });
    // One newcomer is what gossip carries anyway: no pull.
    peer.transport.send(a.address, encodeDatagram([alive('new-1', 'new:1')]));
    cluster.clock.advance(10);
    expect(peer.received.filter((message) => message.kind === 'digest')).toEqual([]);
    // Two more at once: the sender knows members we lack, so we pull from it.
    peer.transport.send(
      a.address,
      encodeDatagram([alive('new-2', 'new:2'), alive('new-3', 'new:3')]),
    );
    cluster.clock.advance(10);
    expect(peer.received.filter((message) => message.kind === 'digest')).toEqual([
      expect.objectContaining({ kind: 'digest', from: a.id }),
    ]);
  });

  it('forms a cluster of 80 simultaneous joins without waiting for periodic anti-entropy', () => {
    const cluster = new SimulatedCluster({
      seed: 1706,
      delayMs: 1,
      jitterMs: 2,
      config: { pushPullIntervalMs: 3_600_000 },
    });
    cluster.addNodes(80);
    // Every member knows every other within 5 s, long before any periodic exchange could run.
    expect(
      cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 5_000, stepMs: 50 }),
    ).toBe(true);
  });

  it('offers a member it holds dead a digest, never its whole table', () => {
    const cluster = formCluster(6, { seed: 1707 });
    const victim = cluster.nodes[3]!;
    cluster.crash(victim.id);
    const failedEverywhere = (): boolean =>
      cluster.running().every((node) => stateOf(node, victim.id) === 'dead');
    expect(cluster.clock.runUntil(failedEverywhere, { timeoutMs: 60_000, stepMs: 50 })).toBe(true);
    // Whatever the survivors send to the dead address from now on.
    const peer = rawPeer(cluster, victim.address);
    cluster.clock.advance(4 * cluster.config.reconnectIntervalMs);
    const kinds = new Set(peer.received.map((message) => message.kind));
    expect(kinds.has('digest')).toBe(true);
    expect(kinds.has('push-pull')).toBe(false);
  });
});

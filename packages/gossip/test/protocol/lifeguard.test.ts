import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram } from '../../src/codec.js';
import type { GossipMessage } from '../../src/messages.js';
import { SimulatedCluster } from '../../src/simulation/simulated-cluster.js';
import type { PacketTransport } from '../../src/transport.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

/** A scripted peer at `address` that answers pings as `id` (while `answering`) and never refutes. */
function fakePeer(transport: PacketTransport, id: string) {
  const peer = { answering: true, received: [] as GossipMessage[] };
  transport.onPacket((data, from) => {
    const messages = decodeDatagram(data);
    peer.received.push(...messages);
    for (const message of messages) {
      if (message.kind === 'ping' && peer.answering) {
        transport.send(from, encodeDatagram([{ kind: 'ack', seq: message.seq, from: id }]));
      }
    }
  });
  return peer;
}

describe('Lifeguard extensions', () => {
  it('tells a suspect it is suspected (buddy system) and re-announces a missed refutation', () => {
    const cluster = formCluster(3, { seed: 401 });
    const [target, , accuser] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    // The target refutes once; later a stale accusation (incarnation 0) arrives with a ping.
    target.protocol.handlePacket(
      encodeDatagram([{ kind: 'suspect', id: target.id, incarnation: 0, from: accuser.id }]),
      accuser.address,
    );
    cluster.clock.advance(20_000);
    expect(target.protocol.localNode().incarnation).toBe(1);
    const probe = cluster.network.createTransport('probe:1');
    const answers: GossipMessage[] = [];
    probe.onPacket((data) => answers.push(...decodeDatagram(data)));
    probe.send(
      target.address,
      encodeDatagram([
        { kind: 'suspect', id: target.id, incarnation: 0, from: 'prober' },
        { kind: 'ping', seq: 5, from: 'prober', target: target.id },
      ]),
    );
    cluster.clock.advance(10);
    // The ack carries the current alive record; the incarnation was not raised again.
    expect(answers).toContainEqual({ kind: 'ack', seq: 5, from: target.id });
    expect(answers).toContainEqual(
      expect.objectContaining({ kind: 'alive', id: target.id, incarnation: 1 }),
    );
    expect(target.protocol.localNode().incarnation).toBe(1);
  });

  it('probes a suspect once more before declaring it dead, and spares it if it answers', () => {
    const cluster = new SimulatedCluster({ seed: 402 });
    const watcher = cluster.addNode();
    const fake = fakePeer(cluster.network.createTransport('fake:1'), 'fake-node');
    const inject = (messages: GossipMessage[]): void =>
      watcher.protocol.handlePacket(encodeDatagram(messages), 'fake:1');
    inject([{ kind: 'alive', id: 'fake-node', incarnation: 0, gossipAddress: 'fake:1', tags: {} }]);
    inject([{ kind: 'suspect', id: 'fake-node', incarnation: 0, from: 'someone' }]);
    expect(stateOf(watcher, 'fake-node')).toBe('suspect');
    // Many suspicion timeouts pass: each ends in an answered probe, so no death.
    cluster.clock.advance(300_000);
    expect(stateOf(watcher, 'fake-node')).toBe('suspect');
    expect(eventsAt(watcher, 'NodeFailed')).toEqual([]);
    // Every probe of the suspect told it about the suspicion.
    expect(fake.received).toContainEqual({
      kind: 'suspect',
      id: 'fake-node',
      incarnation: 0,
      from: watcher.id,
    });
    fake.answering = false;
    expect(
      cluster.clock.runUntil(() => stateOf(watcher, 'fake-node') === 'dead', { timeoutMs: 60_000 }),
    ).toBe(true);
    expect(eventsAt(watcher, 'NodeFailed', 'fake-node')).toHaveLength(1);
  });

  it('forgives one failed probe while phi still vouches for the member', () => {
    const cluster = new SimulatedCluster({ seed: 403 });
    const watcher = cluster.addNode();
    const fake = fakePeer(cluster.network.createTransport('fake:1'), 'fake-node');
    watcher.protocol.handlePacket(
      encodeDatagram([
        { kind: 'alive', id: 'fake-node', incarnation: 0, gossipAddress: 'fake:1', tags: {} },
      ]),
      'fake:1',
    );
    // A steady rhythm of acks, one per protocol period.
    cluster.clock.advance(60_000);
    expect(watcher.protocol.phi('fake-node')).toBeLessThan(1);
    expect(watcher.protocol.metrics().probesFailed).toBe(0);
    fake.answering = false;
    const silentAt = cluster.clock.now();
    expect(
      cluster.clock.runUntil(() => stateOf(watcher, 'fake-node') === 'suspect', {
        timeoutMs: 10_000,
      }),
    ).toBe(true);
    // Two consecutive failed probes (one forgiven), not one, led to the suspicion.
    expect(watcher.protocol.metrics().probesFailed).toBe(2);
    expect(cluster.clock.now() - silentAt).toBeGreaterThan(1000);
    expect(watcher.protocol.metrics().suspicionsRaised).toBe(1);
  });

  it('runs the last probe inside the suspicion window, so death comes at the deadline', () => {
    // No local-health stretch, so the protocol period stays 1 s; with two members memberlist's
    // suspicion timeout is its minimum, 4 s (both rules' exact timeouts are pinned below).
    const cluster = new SimulatedCluster({
      seed: 404,
      config: { awarenessMaxMultiplier: 1, suspicionRule: 'memberlist' },
    });
    const watcher = cluster.addNode();
    const fake = fakePeer(cluster.network.createTransport('fake:1'), 'fake-node');
    const inject = (messages: GossipMessage[]): void =>
      watcher.protocol.handlePacket(encodeDatagram(messages), 'fake:1');
    inject([{ kind: 'alive', id: 'fake-node', incarnation: 0, gossipAddress: 'fake:1', tags: {} }]);
    cluster.clock.advance(30_000);
    fake.answering = false;
    inject([{ kind: 'suspect', id: 'fake-node', incarnation: 0, from: 'someone' }]);
    const suspectedAt = cluster.clock.now();
    const pingsBefore = fake.received.filter((m) => m.kind === 'ping').length;
    expect(
      cluster.clock.runUntil(() => stateOf(watcher, 'fake-node') === 'dead', {
        timeoutMs: 10_000,
        stepMs: 1,
      }),
    ).toBe(true);
    expect(cluster.clock.now() - suspectedAt).toBe(4000);
    expect(eventsAt(watcher, 'NodeFailed', 'fake-node')).toHaveLength(1);
    // The verdict came from a probe: the suspect was pinged during the last period of the window.
    const lastPings = fake.received.filter((m) => m.kind === 'ping').length - pingsBefore;
    expect(lastPings).toBeGreaterThanOrEqual(1);
  });

  // A watcher, `peers` scripted members; peer 0 goes silent and is accused by 'someone', then
  // confirmed by `confirmations` others. No local-health stretch, so the rules' numbers show as is.
  it.each([
    // memberlist, 5 members: 4 s .. 24 s. The watcher's own failed probe is one independent
    // confirmation of the expected 2: 24 s - log 2 / log 3 of 20 s.
    { rule: 'memberlist', peers: 4, confirmations: 0, deadAfterMs: 11_381 },
    { rule: 'memberlist', peers: 4, confirmations: 2, deadAfterMs: 4000 },
    // adaptive, 5 members: 2 epidemic rounds of 200 ms each way plus the 500 ms probe timeout.
    { rule: 'adaptive', peers: 4, confirmations: 2, deadAfterMs: 1300 },
    // adaptive, 2 members: one protocol period, and no confirmations expected.
    { rule: 'adaptive', peers: 1, confirmations: 0, deadAfterMs: 1000 },
  ] as const)(
    '$rule rule, $peers peers, $confirmations confirmations: dead after $deadAfterMs ms',
    ({ rule, peers, confirmations, deadAfterMs }) => {
      const cluster = new SimulatedCluster({
        seed: 405,
        config: { awarenessMaxMultiplier: 1, suspicionRule: rule },
      });
      const watcher = cluster.addNode();
      const fakes = Array.from({ length: peers }, (_, i) => {
        const fake = fakePeer(cluster.network.createTransport(`fake:${i}`), `fake-${i}`);
        watcher.protocol.handlePacket(
          encodeDatagram([
            {
              kind: 'alive',
              id: `fake-${i}`,
              incarnation: 0,
              gossipAddress: `fake:${i}`,
              tags: {},
            },
          ]),
          `fake:${i}`,
        );
        return fake;
      });
      cluster.clock.advance(30_000);
      fakes[0]!.answering = false;
      const accusers = ['someone', ...Array.from({ length: confirmations }, (_, i) => `c${i}`)];
      const suspectedAt = cluster.clock.now();
      for (const from of accusers) {
        watcher.protocol.handlePacket(
          encodeDatagram([{ kind: 'suspect', id: 'fake-0', incarnation: 0, from }]),
          'other:1',
        );
      }
      expect(
        cluster.clock.runUntil(() => stateOf(watcher, 'fake-0') === 'dead', {
          timeoutMs: 60_000,
          stepMs: 1,
        }),
      ).toBe(true);
      expect(cluster.clock.now() - suspectedAt).toBe(deadAfterMs);
    },
  );
});

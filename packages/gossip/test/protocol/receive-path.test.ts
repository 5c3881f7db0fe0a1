import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram } from '../../src/codec.js';
import { formCluster } from './harness.js';

describe('receive path and metrics', () => {
  it('counts and drops undecodable, oversized and misaddressed input without throwing', () => {
    const cluster = formCluster(3, { seed: 301 });
    const node = cluster.nodes[0]!;
    const before = node.protocol.metrics();
    expect(() =>
      node.protocol.handlePacket(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 'x:1'),
    ).not.toThrow();
    node.protocol.handlePacket(new Uint8Array(2000), 'x:1');
    node.protocol.handlePacket(
      encodeDatagram([{ kind: 'ping', seq: 1, from: 'someone', target: 'not-me' }]),
      'x:1',
    );
    node.protocol.recordDrop('auth');
    const after = node.protocol.metrics();
    expect(after.drops).toMatchObject({ decode: 1, oversize: 1, misaddressed: 1, auth: 1 });
    expect(after.datagramsIn - before.datagramsIn).toBe(3);
    expect(after.bytesIn - before.bytesIn).toBe(
      4 +
        2000 +
        encodeDatagram([{ kind: 'ping', seq: 1, from: 'someone', target: 'not-me' }]).length,
    );
    // Still healthy afterwards.
    cluster.clock.advance(10_000);
    expect(cluster.converged()).toBe(true);
  });

  it('answers a ping addressed to it with an ack carrying the same sequence number', () => {
    const cluster = formCluster(2, { seed: 302 });
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const probe = cluster.network.createTransport('probe:1');
    const answers: Uint8Array[] = [];
    probe.onPacket((data) => answers.push(data));
    probe.send(
      a.address,
      encodeDatagram([{ kind: 'ping', seq: 77, from: 'prober', target: a.id }]),
    );
    cluster.clock.advance(10);
    // The ack first; then, as 'prober' is unknown to it, a digest: the two exchange what differs.
    expect(answers).toHaveLength(2);
    const [ack] = decodeDatagram(answers[0]!);
    expect(ack).toEqual({ kind: 'ack', seq: 77, from: a.id });
    expect(decodeDatagram(answers[1]!)).toEqual([
      expect.objectContaining({ kind: 'digest', from: a.id }),
    ]);
    expect(b.protocol.metrics().drops).toEqual({});
  });

  it('reports members by state, traffic, probe RTTs and phi', () => {
    const cluster = formCluster(5, { seed: 303, delayMs: 3 });
    cluster.clock.advance(30_000);
    const node = cluster.nodes[0]!;
    const metrics = node.protocol.metrics();
    expect(metrics.members).toEqual({ alive: 5, suspect: 0, dead: 0, left: 0 });
    expect(metrics.datagramsOut).toBeGreaterThan(0);
    expect(metrics.bytesOut).toBeGreaterThan(metrics.datagramsOut);
    expect(metrics.messagesIn).toBeGreaterThanOrEqual(metrics.datagramsIn);
    expect(metrics.probesSent).toBeGreaterThanOrEqual(25);
    expect(metrics.probesFailed).toBe(0);
    expect(metrics.probesAcked).toBeGreaterThanOrEqual(metrics.probesSent - 1);
    expect(metrics.probeRtt.count).toBeGreaterThan(0);
    expect(metrics.probeRtt.minMs).toBe(6);
    expect(metrics.probeRtt.p99Ms).toBe(6);
    const peer = cluster.nodes[1]!;
    const phi = node.protocol.phi(peer.id);
    expect(phi).toBeDefined();
    expect(phi!).toBeLessThan(1);
    expect(node.protocol.phi('unknown-node')).toBeUndefined();
    expect(node.protocol.probeRtt(peer.id)).toBe(6);
    expect(node.protocol.probeRtt('unknown-node')).toBeUndefined();
    cluster.crash(peer.id);
    // Silence makes phi climb every half second until it passes 2; how soon depends on the
    // rhythm of this peer's acks, one of four probed in turn (phi is still tracked while the
    // peer is suspected and then dead, until it is forgotten).
    let previous = phi!;
    for (let step = 0; step < 40 && previous <= 2; step++) {
      cluster.clock.advance(500);
      const silent = node.protocol.phi(peer.id);
      expect(silent).toBeGreaterThan(previous);
      previous = silent!;
    }
    expect(previous).toBeGreaterThan(2);
  });

  it('isolates a throwing event listener from the protocol and other listeners', () => {
    const cluster = formCluster(3, { seed: 304 });
    const node = cluster.nodes[0]!;
    const seen: string[] = [];
    node.protocol.onEvent(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = node.protocol.onEvent((event) => seen.push(event.type));
    cluster.nodes[1]!.protocol.setTags({ role: 'x' });
    cluster.clock.advance(5000);
    expect(seen).toEqual(['NodeUpdated']);
    unsubscribe();
    cluster.nodes[1]!.protocol.setTags({ role: 'y' });
    cluster.clock.advance(5000);
    expect(seen).toEqual(['NodeUpdated']);
  });
});

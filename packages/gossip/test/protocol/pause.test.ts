import { describe, expect, it } from 'vitest';
import { decodeDatagram } from '../../src/codec.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

describe('paused processes (SIGSTOP in the simulator)', () => {
  it('a short pause fails nobody, and the paused node accuses nobody on wake', () => {
    const cluster = formCluster(20, { seed: 701 });
    cluster.clock.advance(10_000);
    const sleeper = cluster.nodes[7]!;
    // Stop it the moment it sends a ping: the ack then waits in its socket buffer, and the probe's
    // verdict timer fires on wake before the ack is read.
    const transport = sleeper.transport as { send(to: string, data: Uint8Array): void };
    const send = transport.send.bind(transport);
    let pausedAt: number | undefined;
    transport.send = (to, data) => {
      send(to, data);
      if (pausedAt === undefined && decodeDatagram(data).some((m) => m.kind === 'ping')) {
        pausedAt = cluster.clock.now();
        cluster.pause(sleeper.id);
      }
    };
    expect(cluster.clock.runUntil(() => pausedAt !== undefined, { timeoutMs: 5000 })).toBe(true);
    cluster.clock.advance(1500);
    cluster.resume(sleeper.id);
    cluster.clock.advance(30_000);
    for (const node of cluster.nodes) expect(eventsAt(node, 'NodeFailed')).toEqual([]);
    // Its probes that spanned the stall gave no verdict: it suspected no one.
    expect(sleeper.protocol.metrics().suspicionsRaised).toBe(0);
    expect(cluster.converged()).toBe(true);
  });

  it('a long pause is a failure, and on wake the node is alive everywhere within 2 s', () => {
    const cluster = formCluster(20, { seed: 702 });
    cluster.clock.advance(10_000);
    const sleeper = cluster.nodes[5]!;
    cluster.pause(sleeper.id);
    const others = cluster.nodes.filter((node) => node !== sleeper);
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, sleeper.id) === 'dead'), {
        timeoutMs: 60_000,
      }),
    ).toBe(true);
    cluster.clock.advance(5000);
    cluster.resume(sleeper.id);
    const wokeAt = cluster.clock.now();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, sleeper.id) === 'alive'), {
        timeoutMs: 2000,
      }),
    ).toBe(true);
    expect(cluster.clock.now() - wokeAt).toBeLessThanOrEqual(2000);
    // The sleeper blamed nobody for its own stall.
    expect(sleeper.protocol.metrics().suspicionsRaised).toBe(0);
    expect(eventsAt(sleeper, 'NodeFailed')).toEqual([]);
    cluster.clock.advance(10_000);
    expect(cluster.converged()).toBe(true);
  });
});

describe('CPU-starved members (every process stalls 400 ms of each second)', () => {
  it('still declare a crashed member failed, and fail no live one', () => {
    const cluster = formCluster(10, { seed: 703 });
    cluster.clock.advance(10_000);
    const victim = cluster.nodes[4]!;
    const others = cluster.nodes.filter((node) => node !== victim);
    // Each survivor stalls for 400 ms once a second (past the 300 ms pause threshold), at its own
    // phase: like processes that share two cores with a busy neighbour.
    const starve = (index: number): void => {
      const node = others[index]!;
      const cycle = (): void => {
        cluster.pause(node.id);
        cluster.clock.setTimer(400, () => {
          cluster.resume(node.id);
          cluster.clock.setTimer(600, cycle);
        });
      };
      cluster.clock.setTimer((index * 111) % 1000, cycle);
    };
    for (const index of others.keys()) starve(index);
    cluster.clock.advance(5000);
    cluster.crash(victim.id);
    const crashedAt = cluster.clock.now();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, victim.id) === 'dead'), {
        timeoutMs: 60_000,
      }),
    ).toBe(true);
    // Voided verdicts may slow detection (11 s here), never stop it (before: nobody, ever).
    expect(cluster.clock.now() - crashedAt).toBeLessThanOrEqual(15_000);
    for (const node of others) {
      const failed = eventsAt(node, 'NodeFailed').map((event) => event.node.id);
      expect(failed, `failures seen by ${node.id}`).toEqual([victim.id]);
    }
  });
});

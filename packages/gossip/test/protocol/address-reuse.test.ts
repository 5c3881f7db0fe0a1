import { describe, expect, it } from 'vitest';
import type { SimulatedCluster, SimulatedNode } from '../../src/simulation/simulated-cluster.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

/** Starts a new member (new id) at `address` and joins it through `via`. */
function restartAt(cluster: SimulatedCluster, address: string, via: SimulatedNode): SimulatedNode {
  const node = cluster.addNode({ address });
  node.protocol.join([via.address]).catch(() => {});
  return node;
}

/**
 * Every member that knew the old one holds it dead (the newcomer may not know it at all), none
 * routes to it, and no event after `since` says it is back.
 */
function expectRetired(cluster: SimulatedCluster, old: SimulatedNode, since: number): void {
  for (const node of cluster.running()) {
    const knewIt = node.events.some(({ event }) => 'node' in event && event.node.id === old.id);
    expect(stateOf(node, old.id), `${node.id}'s view of the old member`).toBe(
      knewIt ? 'dead' : undefined,
    );
    expect(node.protocol.nodesByTag({}).map((member) => member.id)).not.toContain(old.id);
    const back = node.events.filter(
      ({ at, event }) =>
        at >= since &&
        (event.type === 'NodeJoined' || event.type === 'NodeRecovered') &&
        event.node.id === old.id,
    );
    expect(back).toEqual([]);
    expect(eventsAt(node, 'NodeFailed', old.id).length).toBeLessThanOrEqual(1);
  }
}

describe('a new member at the address of a gone one (address reuse)', () => {
  it('while the old one is still suspect: the old record is declared dead as the new one arrives', () => {
    const cluster = formCluster(6, { seed: 21 });
    const [first, , old] = cluster.nodes as SimulatedNode[];
    const crashedAt = cluster.clock.now();
    cluster.crash(old!.id);
    const others = cluster.running();
    expect(
      cluster.clock.runUntil(() => others.some((node) => stateOf(node, old!.id) === 'suspect'), {
        timeoutMs: 30_000,
      }),
    ).toBe(true);
    expect(others.every((node) => stateOf(node, old!.id) !== 'dead')).toBe(true);

    const replacement = restartAt(cluster, old!.address, first!);
    const arrivedAt = cluster.clock.now();
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
    // Converged means every member sees the newcomer alive; the old id must be gone by then.
    expectRetired(cluster, old!, crashedAt);
    expect(cluster.clock.now() - arrivedAt).toBeLessThan(3000);
    expect(replacement.protocol.metrics().selfRefutations).toBe(0);
    const takeovers = others.reduce(
      (sum, node) => sum + node.protocol.metrics().addressTakeovers,
      0,
    );
    expect(takeovers).toBeGreaterThan(0);
  });

  it('after the old one was declared dead: the newcomer joins and the old id never comes back', () => {
    const cluster = formCluster(6, { seed: 22 });
    const [first, , old] = cluster.nodes as SimulatedNode[];
    const crashedAt = cluster.clock.now();
    cluster.crash(old!.id);
    const others = cluster.running();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, old!.id) === 'dead'), {
        timeoutMs: 60_000,
      }),
    ).toBe(true);
    const replacement = restartAt(cluster, old!.address, first!);
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
    // Anti-entropy rounds carry the dead record to the newcomer at its own address: still dead.
    cluster.clock.advance(60_000);
    expect(cluster.converged()).toBe(true);
    expectRetired(cluster, old!, crashedAt);
    expect(replacement.protocol.metrics().selfRefutations).toBe(0);
  });

  it('while others still think the old one alive: it is suspected at once, then dead', () => {
    const cluster = formCluster(6, { seed: 23 });
    const [first, , old] = cluster.nodes as SimulatedNode[];
    const crashedAt = cluster.clock.now();
    cluster.crash(old!.id);
    const others = cluster.running();
    const replacement = restartAt(cluster, old!.address, first!);
    expect(
      cluster.clock.runUntil(
        () => cluster.converged() && others.every((node) => stateOf(node, old!.id) === 'dead'),
        { timeoutMs: 60_000 },
      ),
    ).toBe(true);
    expectRetired(cluster, old!, crashedAt);
    expect(replacement.protocol.metrics().selfRefutations).toBe(0);
    const takeovers = others.reduce(
      (sum, node) => sum + node.protocol.metrics().addressTakeovers,
      0,
    );
    expect(takeovers).toBeGreaterThan(0);
  });
});

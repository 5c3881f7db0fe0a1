import { describe, expect, it } from 'vitest';
import type { SimulatedNode } from '../../src/simulation/simulated-cluster.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

function ids(nodes: readonly { readonly id: string }[]): string[] {
  return nodes.map((node) => node.id).sort();
}

describe('partitions', () => {
  it('raises PartitionDetected naming both sides, then PartitionHealed once the network heals', () => {
    const cluster = formCluster(10, { seed: 101 });
    const sideA = cluster.nodes.slice(0, 5);
    const sideB = cluster.nodes.slice(5);
    cluster.network.partition(
      sideA.map((node) => node.address),
      sideB.map((node) => node.address),
    );
    const splitAt = cluster.clock.now();
    expect(
      cluster.clock.runUntil(
        () => cluster.nodes.every((node) => eventsAt(node, 'PartitionDetected').length > 0),
        {
          timeoutMs: 60_000,
          stepMs: 100,
        },
      ),
    ).toBe(true);
    // Seeds 101-120 take 13-60 s here (the failures of four members on the other side must be
    // declared everywhere), with and without fingerprint answers: this seed draws 35 s.
    expect(cluster.clock.now() - splitAt).toBeLessThan(40_000);
    for (const [own, other] of [
      [sideA, sideB],
      [sideB, sideA],
    ] as const) {
      for (const node of own) {
        const [detected] = eventsAt(node, 'PartitionDetected');
        // At least the rule's share of the other side is named; nobody is named on both sides.
        expect(detected!.unreachable.length).toBeGreaterThanOrEqual(4);
        expect(ids(other)).toEqual(expect.arrayContaining([...detected!.unreachable]));
        expect([...detected!.reachable]).toEqual(expect.arrayContaining(ids(own)));
        expect(detected!.reachable.filter((id) => detected!.unreachable.includes(id))).toEqual([]);
      }
    }
    // The sides stay apart for a while: each sees only itself.
    cluster.clock.advance(60_000);
    for (const node of sideA) expect(ids(node.protocol.members())).toEqual(ids(sideA));

    cluster.network.heal();
    const healedAt = cluster.clock.now();
    expect(
      cluster.clock.runUntil(
        () =>
          cluster.converged() &&
          cluster.nodes.every((node) => eventsAt(node, 'PartitionHealed').length > 0),
        { timeoutMs: 60_000, stepMs: 100 },
      ),
    ).toBe(true);
    expect(cluster.clock.now() - healedAt).toBeLessThan(15_000);
    for (const [own, other] of [
      [sideA, sideB],
      [sideB, sideA],
    ] as const) {
      for (const node of own) {
        const [healed] = eventsAt(node, 'PartitionHealed');
        // Healed once fewer than the rule's minimum are still unreachable: the refutations that
        // arrived by then name 2 to 4 of the other side's 5 (seeds 101-120).
        expect(healed!.rejoined.length).toBeGreaterThanOrEqual(2);
        expect(ids(other)).toEqual(expect.arrayContaining([...healed!.rejoined]));
      }
    }
  });

  it('does not call a single crash in a small cluster a partition', () => {
    const cluster = formCluster(4, { seed: 102 });
    cluster.crash(cluster.nodes[3]!.id);
    expect(
      cluster.clock.runUntil(
        () => cluster.running().every((node) => stateOf(node, cluster.nodes[3]!.id) === 'dead'),
        {
          timeoutMs: 60_000,
          stepMs: 100,
        },
      ),
    ).toBe(true);
    expect(cluster.eventsOf('PartitionDetected')).toEqual([]);
  });

  it('survives a split brain: both sides live on, change, then merge into one cluster', () => {
    const cluster = formCluster(8, { seed: 103 });
    const sideA = cluster.nodes.slice(0, 4);
    const sideB = cluster.nodes.slice(4);
    cluster.network.partition(
      sideA.map((node) => node.address),
      sideB.map((node) => node.address),
    );
    const sideAlone = (side: readonly SimulatedNode[]): boolean =>
      side.every(
        (node) => JSON.stringify(ids(node.protocol.members())) === JSON.stringify(ids(side)),
      );
    expect(
      cluster.clock.runUntil(() => sideAlone(sideA) && sideAlone(sideB), {
        timeoutMs: 90_000,
        stepMs: 100,
      }),
    ).toBe(true);

    // Each side goes on as a cluster of its own: a newcomer joins side A, side B retags a node.
    const newcomer = cluster.addNode({ tags: { role: 'late' } });
    cluster.network.partition(
      [newcomer.address],
      sideB.map((node) => node.address),
    );
    newcomer.protocol.join([sideA[0]!.address]).catch(() => {});
    sideB[1]!.protocol.setTags({ role: 'worker' });
    const grownA = [...sideA, newcomer];
    expect(
      cluster.clock.runUntil(
        () =>
          sideAlone(grownA) &&
          sideB.every((node) => node.protocol.nodesByTag({ role: 'worker' }).length === 1),
        { timeoutMs: 30_000, stepMs: 100 },
      ),
    ).toBe(true);
    // Side B has no idea the newcomer exists.
    for (const node of sideB) expect(stateOf(node, newcomer.id)).toBeUndefined();

    cluster.network.heal();
    expect(
      cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 60_000, stepMs: 100 }),
    ).toBe(true);
    for (const node of cluster.nodes) {
      expect(node.protocol.members()).toHaveLength(9);
      expect(node.protocol.nodesByTag({ role: 'worker' }).map((n) => n.id)).toEqual([sideB[1]!.id]);
      expect(node.protocol.nodesByTag({ role: 'late' }).map((n) => n.id)).toEqual([newcomer.id]);
    }
    for (const node of sideB) expect(eventsAt(node, 'NodeJoined', newcomer.id)).toHaveLength(1);
    for (const node of [...sideA, ...sideB])
      expect(eventsAt(node, 'PartitionHealed').length).toBe(1);
  });
});

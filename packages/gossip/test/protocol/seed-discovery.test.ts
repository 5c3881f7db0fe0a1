import type { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { seedsFrom } from '../../src/seed-discovery.js';
import { SeedRefresher } from '../../src/seed-refresher.js';
import { SimulatedCluster, type SimulatedNode } from '../../src/simulation/simulated-cluster.js';

/** Like `VirtualClock.runUntil`, letting discovery's promises settle between timers. */
async function runSettlingUntil(
  clock: VirtualClock,
  condition: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (!condition()) {
    if (clock.now() >= deadline) return false;
    await clock.advanceSettling(100);
  }
  return true;
}

describe('seed discovery (simulated)', () => {
  it('a cluster whose seeds all came back at new addresses re-forms through re-discovery', async () => {
    const cluster = new SimulatedCluster({ seed: 16 });
    // The "DNS name": the seeds' current addresses. Workers are not in it.
    let records: string[] = [];
    const queries = { count: 0 };
    const addDiscoveringNode = (): SimulatedNode => {
      const node = cluster.addNode({
        discoveredSeeds: (clock, address) =>
          new SeedRefresher({
            discovery: seedsFrom(() => {
              queries.count++;
              return records;
            }, 'fake dns'),
            clock,
            isSelf: (seed) => seed === address,
          }),
      });
      node.protocol.join([]).catch(() => {});
      return node;
    };
    const seeds = [0, 1, 2].map(() => cluster.addNode());
    records = seeds.map((node) => node.address);
    for (const seed of seeds) seed.protocol.join(records).catch(() => {});
    const workers = [addDiscoveringNode(), addDiscoveringNode()];
    expect(await runSettlingUntil(cluster.clock, () => cluster.converged(), 30_000)).toBe(true);

    // Every seed is replaced at once; the new ones are found only through the updated records.
    for (const seed of seeds) cluster.crash(seed.id);
    const queriesBefore = queries.count;
    const replacements = [0, 1, 2].map(() => cluster.addNode());
    records = replacements.map((node) => node.address);
    for (const seed of replacements) seed.protocol.join(records).catch(() => {});
    expect(await runSettlingUntil(cluster.clock, () => cluster.converged(), 120_000)).toBe(true);

    for (const worker of workers) {
      const alive = worker.protocol
        .members()
        .filter((member) => member.state === 'alive')
        .map((member) => member.gossipAddress)
        .sort();
      expect(alive).toEqual([...replacements, ...workers].map((node) => node.address).sort());
    }
    expect(queries.count).toBeGreaterThan(queriesBefore);
  });
});

// Cold-start formation on the gossip simulator: n members join through one seed at the same
// instant; how long until every member knows every other, over several seeds, and what it sent.
// Run: pnpm --filter @rpcnet/bench exec tsx src/gossip-formation.ts
//   GOSSIP_FORMATION_SIZES=100,300,1000 (default 100,300)  GOSSIP_FORMATION_SEEDS=20 (default 10)
import { pathToFileURL } from 'node:url';
import { SimulatedCluster } from '@rpcnet/gossip/simulation';
import { percentile } from './statistics.js';

/** Formation at one size over several seeds. */
export interface FormationResult {
  readonly nodes: number;
  /** Virtual ms until every member emitted NodeJoined for every other, one per seed. */
  readonly formationMs: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Gossip bytes sent per member until formed, averaged over the seeds. */
  readonly bytesPerNode: number;
  readonly wallClockMs: number;
}

/** Forms `nodes` members once per seed (simulated LAN, 1-3 ms one-way) and times it. */
export function measureFormation(nodes: number, seeds: readonly number[]): FormationResult {
  const wallStart = performance.now();
  const formationMs: number[] = [];
  let bytes = 0;
  for (const seed of seeds) {
    const cluster = new SimulatedCluster({ seed, delayMs: 1, jitterMs: 2 });
    // Joined-by counts per member: a set per member would hold n^2 ids.
    const joinedBy = new Map<string, number>();
    const members = cluster.addNodes(nodes);
    for (const member of members) {
      member.protocol.onEvent((event) => {
        if (event.type === 'NodeJoined')
          joinedBy.set(event.node.id, (joinedBy.get(event.node.id) ?? 0) + 1);
      });
    }
    const formed = cluster.clock.runUntil(
      () => members.every((member) => (joinedBy.get(member.id) ?? 0) >= nodes - 1),
      { timeoutMs: 600_000, stepMs: 50 },
    );
    if (!formed) throw new Error(`gossip formation: ${nodes} nodes (seed ${seed}) did not form`);
    formationMs.push(cluster.clock.now());
    bytes += cluster.network.stats().bytesSent;
    for (const node of cluster.running()) cluster.crash(node.id);
    console.error(
      `[gossip formation n=${nodes} seed ${seed}] formed in ${cluster.clock.now()} ms (+${((performance.now() - wallStart) / 1000).toFixed(1)} s wall)`,
    );
  }
  return {
    nodes,
    formationMs,
    p50Ms: percentile(formationMs, 50),
    p99Ms: percentile(formationMs, 99),
    bytesPerNode: bytes / seeds.length / nodes,
    wallClockMs: performance.now() - wallStart,
  };
}

function listFromEnv(name: string, fallback: readonly number[]): number[] {
  const value = process.env[name];
  return value === undefined ? [...fallback] : value.split(',').map(Number);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seedCount = Number(process.env.GOSSIP_FORMATION_SEEDS ?? 10);
  const seeds = Array.from({ length: seedCount }, (_, i) => 101 + i);
  const results = listFromEnv('GOSSIP_FORMATION_SIZES', [100, 300]).map((nodes) =>
    measureFormation(nodes, seeds),
  );
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log('cold-start formation, simulated LAN (1-3 ms one-way), all join one seed at t=0');
  console.table(
    results.map((row) => ({
      nodes: row.nodes,
      seeds: row.formationMs.length,
      p50: s(row.p50Ms),
      p99: s(row.p99Ms),
      'KB sent per node until formed': (row.bytesPerNode / 1000).toFixed(1),
      'wall time': s(row.wallClockMs),
    })),
  );
}

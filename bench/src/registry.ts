// Benchmark of @rpcnet/registry: nanoseconds per selectWorker (+ release) for each strategy,
// with 10, 1,000 and 10,000 workers, with and without a tag filter.
// Run: pnpm --filter @rpcnet/bench exec tsx src/registry.ts
import { pathToFileURL } from 'node:url';
import { createSeededRandom } from '@rpcnet/base';
import type { ClusterEvent, ClusterNode, NodeTags } from '@rpcnet/gossip';
import {
  LeastConnections,
  LeastLatency,
  type LoadBalancingStrategy,
  type MembershipSource,
  PowerOfTwoChoices,
  Random,
  RoundRobin,
  Weighted,
  type WorkerLease,
  WorkerRegistry,
} from '@rpcnet/registry';

/** One measured configuration. */
export interface RegistryBenchRow {
  readonly strategy: string;
  readonly workers: number;
  readonly filter: string;
  readonly nsPerSelect: number;
}

const SIZES = [10, 1_000, 10_000] as const;
const FILTER = 'role=worker,gpu=true';
/** Calls kept in flight while measuring, as a director under load would. */
const CONCURRENT_CALLS = 32;
const WARMUP_CALLS = 20_000;
const MEASURED_CALLS = 200_000;

/** A static membership with a tag index, standing in for gossip's `Cluster`. */
class StaticMembership implements MembershipSource {
  private readonly nodes: ClusterNode[];
  private readonly index = new Map<string, ClusterNode[]>();

  constructor(count: number) {
    this.nodes = Array.from({ length: count }, (_, i) => ({
      id: `worker-${i}`,
      gossipAddress: `10.0.${i >> 8}.${i & 255}:7946`,
      rpcAddress: `10.0.${i >> 8}.${i & 255}:9000`,
      tags: { role: 'worker', gpu: i % 2 === 0 ? 'true' : 'false', weight: String(1 + (i % 4)) },
      state: 'alive',
      incarnation: 0,
    }));
    for (const node of this.nodes) {
      for (const [key, value] of Object.entries(node.tags)) {
        const term = `${key}=${value}`;
        const list = this.index.get(term) ?? [];
        list.push(node);
        this.index.set(term, list);
      }
    }
  }

  localNode(): ClusterNode {
    return {
      id: 'director',
      gossipAddress: '10.1.0.1:7946',
      tags: {},
      state: 'alive',
      incarnation: 0,
    };
  }

  members(): readonly ClusterNode[] {
    return this.nodes;
  }

  nodesByTag(filter: NodeTags): readonly ClusterNode[] {
    const terms = Object.entries(filter);
    const [first] = terms;
    if (first === undefined) {
      return this.nodes;
    }
    const base = this.index.get(`${first[0]}=${first[1]}`) ?? [];
    return base.filter((node) => terms.every(([key, value]) => node.tags[key] === value));
  }

  onEvent(_listener: (event: ClusterEvent) => void): () => void {
    return () => {};
  }
}

const strategies: ReadonlyArray<() => LoadBalancingStrategy> = [
  () => new RoundRobin(),
  () => new Random({ random: createSeededRandom(1) }),
  () => new LeastConnections(),
  () => new PowerOfTwoChoices({ random: createSeededRandom(2) }),
  () => new LeastLatency({ random: createSeededRandom(4) }),
  () => new Weighted({ random: createSeededRandom(3) }),
];

function measure(registry: WorkerRegistry, filter: string | undefined): number {
  const window: WorkerLease[] = [];
  let latency = 0;
  const step = (): void => {
    window.push(registry.selectWorker(filter));
    if (window.length > CONCURRENT_CALLS) {
      latency = (latency + 7) % 50;
      window.shift()?.release({ latencyMs: 1 + latency });
    }
  };
  for (let call = 0; call < WARMUP_CALLS; call += 1) {
    step();
  }
  const started = process.hrtime.bigint();
  for (let call = 0; call < MEASURED_CALLS; call += 1) {
    step();
  }
  const elapsed = Number(process.hrtime.bigint() - started);
  for (const lease of window) {
    lease.release();
  }
  return elapsed / MEASURED_CALLS;
}

/** Measures every strategy at every size, prints a table, and returns the rows. */
export async function runRegistryBench(): Promise<RegistryBenchRow[]> {
  const rows: RegistryBenchRow[] = [];
  for (const size of SIZES) {
    const membership = new StaticMembership(size);
    for (const create of strategies) {
      for (const filter of [undefined, FILTER]) {
        const strategy = create();
        const registry = new WorkerRegistry(membership, strategy);
        registry.start();
        const nsPerSelect = measure(registry, filter);
        registry.stop();
        rows.push({
          strategy: strategy.name,
          workers: size,
          filter: filter ?? '(none)',
          nsPerSelect,
        });
      }
    }
  }
  console.log(
    `selectWorker + release, ${CONCURRENT_CALLS} calls in flight, ${MEASURED_CALLS} calls per row`,
  );
  console.table(
    rows.map((row) => ({
      strategy: row.strategy,
      workers: row.workers,
      filter: row.filter,
      'ns/select': Math.round(row.nsPerSelect),
    })),
  );
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRegistryBench();
}

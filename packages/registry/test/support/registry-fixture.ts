import { VirtualClock } from '@rpcnet/base';
import type { NodeTags } from '@rpcnet/gossip';
import { type LoadBalancingStrategy, WorkerRegistry } from '../../src/index.js';
import { FakeMembership } from './fake-membership.js';

/** A started registry over a fake membership with the given workers (ids `w1`, `w2`, ...). */
export function registryWith(
  strategy: LoadBalancingStrategy,
  workerTags: readonly NodeTags[],
): { registry: WorkerRegistry; membership: FakeMembership; clock: VirtualClock } {
  const membership = new FakeMembership();
  workerTags.forEach((tags, index) => {
    membership.preload(`w${index + 1}`, { tags });
  });
  const clock = new VirtualClock();
  const registry = new WorkerRegistry(membership, strategy, { clock });
  registry.start();
  return { registry, membership, clock };
}

/** Runs `requests` sequential calls (select, then release) and counts picks per worker id. */
export function distribution(
  registry: WorkerRegistry,
  requests: number,
  filter?: string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let call = 0; call < requests; call += 1) {
    const lease = registry.selectWorker(filter);
    counts.set(lease.worker.id, (counts.get(lease.worker.id) ?? 0) + 1);
    lease.release({ latencyMs: 5 });
  }
  return counts;
}

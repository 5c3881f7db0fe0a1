import { VirtualClock } from '@rpcnet/base';
import type { LoadBalancingStrategy } from '@rpcnet/registry';
import { WorkerRegistry } from '@rpcnet/registry';
import { ClusterClient, type ClusterClientConfig } from '../../src/index.js';
import { FakeMembership, workerNode } from './fake-membership.js';
import { FakeWorkers } from './fake-workers.js';

/** A started registry over fake members `ids`, with fake worker connections and a manual clock. */
export interface ClientFixture {
  readonly clock: VirtualClock<'wall'>;
  readonly workers: FakeWorkers;
  readonly membership: FakeMembership;
  readonly registry: WorkerRegistry;
}

/** Builds a {@link ClientFixture}: every id joins as a `role=worker` member. */
export function startFixture(
  strategy: LoadBalancingStrategy,
  ids: readonly string[],
): ClientFixture {
  const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
  const workers = new FakeWorkers(clock);
  const membership = new FakeMembership();
  for (const id of ids) membership.join(workerNode(id));
  const registry = new WorkerRegistry(membership, strategy, { clock });
  registry.start();
  return { clock, workers, membership, registry };
}

/** A client over `registry` that dials the fake workers, on the manual clock, with no jitter. */
export function fakeClient(
  registry: WorkerRegistry,
  workers: FakeWorkers,
  clock: VirtualClock<'wall'>,
  config: ClusterClientConfig = {},
): ClusterClient {
  return new ClusterClient(registry, {
    connect: workers.connect,
    clock,
    random: () => 0,
    ...config,
  });
}

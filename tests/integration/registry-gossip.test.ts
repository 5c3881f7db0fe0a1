import { Cluster, localClusterConfig } from '@rpcnet/gossip';
import {
  HealthCheckService,
  type HealthStatus,
  RoundRobin,
  type WorkerEvent,
  WorkerRegistry,
} from '@rpcnet/registry';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';

const clusters: Cluster[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function member(tags: Record<string, string>, rpcAddress?: string): Promise<Cluster> {
  const config = localClusterConfig({ gossipPort: 0, tags, ...(rpcAddress ? { rpcAddress } : {}) });
  const cluster = await Cluster.create(config);
  clusters.push(cluster);
  return cluster;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
});

describe('WorkerRegistry over real gossip', () => {
  it('a director-side registry discovers 3 workers by tag, drops an unhealthy one and a leaver', async () => {
    const director = await member({ role: 'director' });
    const seed = director.localNode().gossipAddress;
    const workers = await Promise.all(
      [1, 2, 3].map((index) =>
        member({ role: 'worker', label: `worker-${index}` }, `127.0.0.1:${9100 + index}`),
      ),
    );
    await Promise.all(workers.map((worker) => worker.join([seed])));

    const registry = new WorkerRegistry(director, new RoundRobin());
    const events: WorkerEvent[] = [];
    registry.onEvent((event) => events.push(event));
    registry.start();
    cleanups.push(() => registry.stop());

    await waitFor(() => registry.workers('role=worker').length === 3, {
      timeoutMs: 15_000,
      message: '3 workers',
    });
    expect(
      registry
        .workers('role=worker')
        .map((worker) => worker.rpcAddress)
        .sort(),
    ).toEqual(['127.0.0.1:9101', '127.0.0.1:9102', '127.0.0.1:9103']);
    expect(registry.workers('role=director')).toEqual([]);

    const picked = new Set<string>();
    for (let call = 0; call < 6; call += 1) {
      const lease = registry.selectWorker('role=worker');
      picked.add(lease.worker.id);
      lease.release({ latencyMs: 1 });
    }
    expect(picked.size).toBe(3);

    // Worker 1 turns unhealthy through its own health service; the director stops routing to it.
    let status: HealthStatus = { healthy: true };
    const [first, second] = workers;
    if (first === undefined || second === undefined) {
      throw new Error('workers missing');
    }
    const health = new HealthCheckService({
      publisher: first,
      checks: [{ name: 'app', check: () => Promise.resolve(status) }],
      intervalMs: 50,
    });
    health.start();
    cleanups.push(() => health.stop());
    status = { healthy: false, message: 'draining' };
    await waitFor(() => registry.getWorker(first.id) === undefined, {
      timeoutMs: 15_000,
      message: 'unhealthy worker excluded',
    });
    for (let call = 0; call < 6; call += 1) {
      const lease = registry.selectWorker('role=worker');
      expect(lease.worker.id).not.toBe(first.id);
      lease.release();
    }
    status = { healthy: true };
    await waitFor(() => registry.getWorker(first.id) !== undefined, {
      timeoutMs: 15_000,
      message: 'healthy worker back',
    });

    // Worker 2 leaves gracefully.
    await second.leave();
    await waitFor(() => registry.getWorker(second.id) === undefined, {
      timeoutMs: 15_000,
      message: 'leaver removed',
    });
    const removals = events.flatMap((event) =>
      event.type === 'WorkerRemoved'
        ? [`${event.worker.id === first.id ? 'first' : 'second'}:${event.reason}`]
        : [],
    );
    expect(removals).toEqual(['first:unhealthy', 'second:left']);
  });
});

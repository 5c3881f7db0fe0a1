import { waitFor } from '@rpcnet/test-utils';
import {
  Cluster,
  ClusterClient,
  createDevCertificate,
  enableCluster,
  localClusterConfig,
  NodeState,
  RoundRobin,
  RpcServer,
  WorkerRegistry,
} from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import { activeResources, mib, resourceGrowth, settledHeapBytes } from '../fixtures/faults/heap.js';
import { PendingTimerTracker } from '../fixtures/faults/timer-tracker.js';

const CALLS = 10_000;
const CYCLES = 100;
/**
 * Open handles and requests of any one kind (`process.getActiveResourcesInfo()`) allowed above
 * the warm baseline. Timers of probes and keep-alives come and go, so a snapshot may catch one
 * or two more; a leak of one per call or cycle would show as hundreds.
 */
const RESOURCE_GROWTH_BOUND = 3;
/**
 * Growth allowed in pending timers (referenced or not, tracked from before the first member
 * starts) from the warm baseline to the end. Periodic probe, gossip and keep-alive timers hold
 * steady (35-39 pending with three members and their connections); QUIC's own connection timers
 * and a just-finished call's timers make one snapshot differ from another by up to ~11. A timer
 * leaked per call, per 100 calls or per cycle would leave 100 or more.
 */
const PENDING_TIMER_GROWTH_BOUND = 25;
/** Heap growth allowed over the calls, after full collections: 1 KiB leaked per call exceeds it. */
const CALLS_HEAP_BOUND_BYTES = 8 * 1024 * 1024;
/**
 * Heap growth allowed over the cycles: about 5x the measured 0.5-0.8 MiB, which is mostly the
 * seed's records of departed members, kept by design for `deadNodeRetentionMs`.
 */
const CYCLES_HEAP_BOUND_BYTES = 4 * 1024 * 1024;

const certificate = createDevCertificate();

/** Every kind whose count grew beyond the bound, e.g. `{ UDPWrap: 100 }` for leaked sockets. */
function beyondBound(before: Record<string, number>, after: Record<string, number>) {
  return Object.fromEntries(
    Object.entries(resourceGrowth(before, after)).filter(
      ([, grown]) => grown > RESOURCE_GROWTH_BOUND,
    ),
  );
}

describe('resource bounds over many calls and membership changes', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`makes ${CALLS} sequential cluster calls without growth in handles, timers or heap`, {
    timeout: 240_000,
  }, async () => {
    const director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => director.stop());
    const seed = director.localNode().gossipAddress;
    for (const name of ['worker-a', 'worker-b']) {
      const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
      server.unary('echo', async (request) => request);
      await enableCluster(
        server,
        localClusterConfig({
          gossipPort: 0,
          seedNodes: [seed],
          tags: { role: 'worker', label: name },
        }),
        { listen: { host: '127.0.0.1', port: 0 } },
      );
      cleanups.push(() => server.stop({ graceMs: 0 }));
    }
    const registry = new WorkerRegistry(director, new RoundRobin(), {
      workerFilter: 'role=worker',
    });
    registry.start();
    cleanups.push(() => registry.stop());
    const client = new ClusterClient(registry, { tls: { ca: certificate.certPem } });
    cleanups.push(() => client.close());
    await waitFor(() => registry.size === 2, {
      timeoutMs: 15_000,
      message: 'two workers registered',
    });

    const payload = new TextEncoder().encode('resource bounds');
    const served = new Map<string, number>();
    const call = async () => {
      const result = await client.callWorkerDetailed('echo', payload, 'role=worker', {
        timeoutMs: 10_000,
      });
      expect(new Uint8Array(result.response)).toEqual(payload);
      served.set(result.workerId, (served.get(result.workerId) ?? 0) + 1);
    };
    // Warm-up: connections, pools and caches reach their steady size, and every periodic
    // timer is re-armed (and so tracked) at least once.
    const timers = new PendingTimerTracker().start();
    cleanups.push(() => timers.stop());
    for (let index = 0; index < 500; index += 1) await call();
    const resourcesBefore = activeResources();
    const heapBefore = await settledHeapBytes();
    const timersBefore = timers.pending;
    const started = performance.now();
    for (let index = 0; index < CALLS; index += 1) {
      await call();
    }
    const elapsed = performance.now() - started;
    const timersAfter = timers.pending;
    timers.stop();
    const heapAfter = await settledHeapBytes();
    const resourcesAfter = activeResources();

    expect([...served.values()]).toHaveLength(2);
    expect(client.metrics.failed).toBe(0);
    expect(beyondBound(resourcesBefore, resourcesAfter)).toEqual({});
    expect(timersAfter - timersBefore).toBeLessThanOrEqual(PENDING_TIMER_GROWTH_BOUND);
    expect(heapAfter - heapBefore).toBeLessThan(CALLS_HEAP_BOUND_BYTES);
    expect(client.pool.stats.connections).toBeLessThanOrEqual(4);
    console.log(
      `faults/resources: ${CALLS} sequential calls in ${(elapsed / 1000).toFixed(1)} s; ` +
        `resources ${JSON.stringify(resourcesBefore)} -> ${JSON.stringify(resourcesAfter)}; ` +
        `pending timers ${timersBefore} -> ${timersAfter} (bound +${PENDING_TIMER_GROWTH_BOUND}); ` +
        `heap ${mib(heapBefore)} -> ${mib(heapAfter)} (bound +${mib(CALLS_HEAP_BOUND_BYTES)})`,
    );
  });

  it(`runs ${CYCLES} join/leave cycles without growth in handles, timers or heap`, {
    timeout: 240_000,
  }, async () => {
    const seedMember = await Cluster.create(localClusterConfig({ gossipPort: 0 }));
    cleanups.push(() => seedMember.stop());
    const seed = seedMember.localNode().gossipAddress;
    const stateOf = (id: string) =>
      seedMember.members({ includeDead: true }).find((node) => node.id === id)?.state;

    const cycle = async () => {
      const member = await Cluster.create(localClusterConfig({ gossipPort: 0, seedNodes: [seed] }));
      try {
        await member.join();
        await waitFor(() => stateOf(member.id) === NodeState.Alive, {
          timeoutMs: 10_000,
          message: 'the seed sees the joiner',
        });
        await member.leave();
        await waitFor(() => stateOf(member.id) === NodeState.Left, {
          timeoutMs: 10_000,
          message: 'the seed sees it leave',
        });
      } finally {
        await member.stop();
      }
    };
    const timers = new PendingTimerTracker().start();
    cleanups.push(() => timers.stop());
    for (let index = 0; index < 5; index += 1) await cycle();
    const resourcesBefore = activeResources();
    const heapBefore = await settledHeapBytes();
    const timersBefore = timers.pending;
    const started = performance.now();
    for (let index = 0; index < CYCLES; index += 1) await cycle();
    const elapsed = performance.now() - started;
    const timersAfter = timers.pending;
    timers.stop();
    const heapAfter = await settledHeapBytes();
    const resourcesAfter = activeResources();

    expect(beyondBound(resourcesBefore, resourcesAfter)).toEqual({});
    expect(timersAfter - timersBefore).toBeLessThanOrEqual(PENDING_TIMER_GROWTH_BOUND);
    expect(heapAfter - heapBefore).toBeLessThan(CYCLES_HEAP_BOUND_BYTES);
    // Only the seed is live; every departed member is remembered as left, none as failed.
    const everyone = seedMember.members({ includeDead: true });
    expect(everyone.filter((node) => node.state === NodeState.Alive)).toHaveLength(1);
    expect(everyone.filter((node) => node.state === NodeState.Dead)).toEqual([]);
    console.log(
      `faults/resources: ${CYCLES} join/leave cycles in ${(elapsed / 1000).toFixed(1)} s; ` +
        `resources ${JSON.stringify(resourcesBefore)} -> ${JSON.stringify(resourcesAfter)}; ` +
        `pending timers ${timersBefore} -> ${timersAfter} (bound +${PENDING_TIMER_GROWTH_BOUND}); ` +
        `heap ${mib(heapBefore)} -> ${mib(heapAfter)} (bound +${mib(CYCLES_HEAP_BOUND_BYTES)})`,
    );
  });
});

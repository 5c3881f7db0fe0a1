import { waitFor } from '@rpcnet/test-utils';
import {
  Cluster,
  ClusterClient,
  createDevCertificate,
  discoverNodes,
  enableCluster,
  localClusterConfig,
  RoundRobin,
  RpcServer,
  WorkerRegistry,
} from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';

// Development-only certificate made at run time; the director trusts it as the workers' CA.
const certificate = createDevCertificate();
const encode = (value: string) => new TextEncoder().encode(value);
const decode = (value: Uint8Array) => new TextDecoder().decode(value);

describe('a clustered server stopping gracefully (QUIC and UDP on 127.0.0.1)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('drains, leaves, and costs the director no failed call', async () => {
    const director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => director.stop());
    const seed = director.localNode().gossipAddress;
    const servers: RpcServer[] = [];
    const clusters: Cluster[] = [];
    for (const name of ['worker-1', 'worker-2', 'worker-3']) {
      const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
      server.unary('compute', async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return encode(`${name}:${decode(request)}`);
      });
      cleanups.push(() => server.stop({ graceMs: 0 }));
      const cluster = await enableCluster(
        server,
        localClusterConfig({
          gossipPort: 0,
          seedNodes: [seed],
          tags: { role: 'worker', label: name },
        }),
      );
      cleanups.push(() => cluster.stop());
      servers.push(server);
      clusters.push(cluster);
    }
    const registry = new WorkerRegistry(director, new RoundRobin(), {
      workerFilter: 'role=worker',
    });
    registry.start();
    cleanups.push(() => registry.stop());
    const removed: string[] = [];
    registry.on('WorkerRemoved', ({ worker, reason }) => removed.push(`${worker.id}:${reason}`));
    const client = new ClusterClient(registry, { tls: { ca: certificate.certPem } });
    cleanups.push(() => client.close());
    await waitFor(() => registry.size === 3, {
      timeoutMs: 15_000,
      message: 'the director sees three workers',
    });

    // Each node's gossiped RPC address is where its server listens.
    const advertised = discoverNodes(director, 'role=worker').map((node) => node.rpcAddress);
    const bound = servers.map((server) => `${server.address?.host}:${server.address?.port}`);
    expect(advertised.sort()).toEqual(bound.sort());

    const leaving = clusters[1] as Cluster;
    const served = new Set<string>();
    let stopped: Promise<void> | undefined;
    const running = new Set<Promise<void>>();
    for (let index = 0; index < 200; index += 1) {
      if (index === 60) stopped = (servers[1] as RpcServer).stop({ graceMs: 3000 });
      const call = client
        .callWorker('compute', encode(`${index}`), 'role=worker', { timeoutMs: 5000 })
        .then((reply) => {
          served.add(decode(reply).split(':')[0] ?? '');
        })
        .finally(() => running.delete(call));
      running.add(call);
      if (running.size >= 6) await Promise.race(running);
    }
    // Every call succeeds: rejected ones would make Promise.all throw.
    await Promise.all(running);
    await stopped;
    expect(served).toEqual(new Set(['worker-1', 'worker-2', 'worker-3']));
    expect(leaving.running).toBe(false);
    await waitFor(() => removed.some((entry) => entry.startsWith(`${leaving.id}:`)), {
      timeoutMs: 10_000,
      message: 'the director drops the stopped worker',
    });
    // It is dropped as unhealthy (marked while draining) or as left, never as failed.
    expect(removed.find((entry) => entry.startsWith(`${leaving.id}:`))).toMatch(
      /:(unhealthy|left)$/,
    );
    await waitFor(() => client.pool.connectionCount(leaving.id) === 0, {
      message: 'its pooled connections close',
    });
    expect(client.metrics.failed).toBe(0);
  });
});

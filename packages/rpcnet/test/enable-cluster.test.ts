import { InMemoryTransport } from '@rpcnet/core';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cluster,
  ClusterError,
  connectNode,
  discoverNodes,
  enableCluster,
  localClusterConfig,
  ManagementConfigError,
  managementEndpointOf,
  RpcError,
  RpcServer,
} from '../src/index.js';

const encode = (value: string) => new TextEncoder().encode(value);
const decode = (value: Uint8Array) => new TextDecoder().decode(value);

describe('enableCluster / discoverNodes / node.connect', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  /** A director-side gossip member on 127.0.0.1 with the fast local timings. */
  async function director(): Promise<Cluster> {
    const cluster = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => cluster.stop());
    return cluster;
  }

  /** A worker server on the shared in-memory network, not yet started. */
  function workerServer(transport: InMemoryTransport, name: string): RpcServer {
    const server = new RpcServer({ transport });
    server.unary('whoami', () => encode(name));
    cleanups.push(() => server.stop({ graceMs: 0 }));
    return server;
  }

  it('starts the server, gossips its bound address and lets others connect to it', async () => {
    const transport = new InMemoryTransport();
    const seed = await director();
    const server = workerServer(transport, 'worker-1');
    const cluster = await enableCluster(
      server,
      localClusterConfig({
        gossipPort: 0,
        seedNodes: [seed.localNode().gossipAddress],
        tags: { role: 'worker' },
      }),
    );
    cleanups.push(() => cluster.stop());
    const bound = server.address;
    expect(bound).toBeDefined();
    expect(cluster.localNode().rpcAddress).toBe(`${bound?.host}:${bound?.port}`);

    await waitFor(() => discoverNodes(seed, 'role=worker').length === 1, {
      timeoutMs: 10_000,
      message: 'the worker is discovered',
    });
    const [node] = discoverNodes(seed, { role: 'worker' }, { transport });
    expect(node?.id).toBe(cluster.id);
    expect(node?.rpcAddress).toBe(cluster.localNode().rpcAddress);
    const client = await node!.connect();
    cleanups.push(() => client.close());
    expect(decode(await client.unary('whoami', new Uint8Array()))).toBe('worker-1');
    expect(discoverNodes(seed, 'role=gpu')).toEqual([]);
  });

  it('on server.stop drains the calls in flight first, then leaves the cluster', async () => {
    const transport = new InMemoryTransport();
    const seed = await director();
    const server = workerServer(transport, 'worker-1');
    let finishSlow: () => void = () => undefined;
    server.unary('slow', async () => {
      await new Promise<void>((resolve) => {
        finishSlow = resolve;
      });
      return encode('done');
    });
    const cluster = await enableCluster(
      server,
      localClusterConfig({ gossipPort: 0, tags: { role: 'worker' } }),
      {
        listen: { host: '127.0.0.1', port: 0 },
      },
    );
    await cluster.join([seed.localNode().gossipAddress]);
    await waitFor(() => discoverNodes(seed, 'role=worker').length === 1, {
      timeoutMs: 10_000,
      message: 'the worker is discovered',
    });
    const left = new Promise<string>((resolve) =>
      seed.on('NodeLeft', ({ node }) => resolve(node.id)),
    );

    const [node] = discoverNodes(seed, 'role=worker', { transport });
    const client = await node!.connect();
    cleanups.push(() => client.close());
    const slow = client.unary('slow', new Uint8Array());
    await waitFor(() => server.metrics.activeCalls === 1, {
      timeoutMs: 10_000,
      message: 'the slow call runs',
    });

    const stopping = server.stop({ graceMs: 5000 });
    // Draining: the node is still a member, but tells registries it takes no new work.
    await waitFor(() => cluster.tags().healthy === 'false', {
      timeoutMs: 10_000,
      message: 'the node is marked unhealthy',
    });
    expect(cluster.running).toBe(true);
    finishSlow();
    expect(decode(await slow)).toBe('done');
    await stopping;
    expect(cluster.running).toBe(false);
    expect(server.address).toBeUndefined();
    expect(await left).toBe(cluster.id);
  });

  it('stops the server it started when joining fails, and rejects with the cluster error', async () => {
    const server = workerServer(new InMemoryTransport(), 'lonely');
    const failure = await enableCluster(
      server,
      localClusterConfig({
        gossipPort: 0,
        seedNodes: ['127.0.0.1:9'],
        joinTimeoutMs: 300,
        joinRetryInitialMs: 50,
        joinRetryMaxMs: 100,
      }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClusterError);
    expect(server.address).toBeUndefined();
  });

  it('starts no management endpoint by default; with management options one on 127.0.0.1 (with /metrics), stopped after leaving', async () => {
    const seed = await director();
    const plain = await enableCluster(
      workerServer(new InMemoryTransport(), 'plain'),
      localClusterConfig({ gossipPort: 0 }),
    );
    cleanups.push(() => plain.stop());
    expect(managementEndpointOf(plain)).toBeUndefined();

    const server = workerServer(new InMemoryTransport(), 'managed');
    const cluster = await enableCluster(
      server,
      localClusterConfig({ gossipPort: 0, seedNodes: [seed.localNode().gossipAddress] }),
      { management: { metrics: () => 'rpcnet_up 1\n' } },
    );
    cleanups.push(() => cluster.stop());
    const endpoint = managementEndpointOf(cluster);
    expect(endpoint?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const members = (await (await fetch(`${endpoint?.url}api/v1/members`)).json()) as {
      members: Array<{ id: string }>;
    };
    expect(members.members.map((member) => member.id).sort()).toEqual([cluster.id, seed.id].sort());
    expect(await (await fetch(`${endpoint?.url}metrics`)).text()).toBe('rpcnet_up 1\n');
    const url = endpoint?.url ?? '';
    await server.stop({ graceMs: 0 });
    expect(cluster.running).toBe(false);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a management option that is neither a boolean nor options, naming the field', async () => {
    const server = workerServer(new InMemoryTransport(), 'bad');
    const failure = await enableCluster(server, localClusterConfig({ gossipPort: 0 }), {
      management: 'yes' as never,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ManagementConfigError);
    expect((failure as ManagementConfigError).field).toBe('management');
    expect(server.address).toBeUndefined();
  });

  it('refuses to put one server into two clusters', async () => {
    const server = workerServer(new InMemoryTransport(), 'twice');
    const cluster = await enableCluster(server, localClusterConfig({ gossipPort: 0 }));
    cleanups.push(() => cluster.stop());
    await expect(enableCluster(server, localClusterConfig({ gossipPort: 0 }))).rejects.toThrow(
      /already part of a cluster/,
    );
  });

  it('connectNode rejects a member without an RPC address with UNAVAILABLE', async () => {
    const seed = await director();
    const error = await connectNode(seed.localNode()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', notProcessed: true });
  });
});

import { Cluster, localClusterConfig } from '@rpcnet/gossip';
import { HEALTHY_TAG } from '@rpcnet/registry';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MANAGEMENT_DEFAULTS,
  ManagementConfigError,
  ManagementServer,
  type ManagementServerOptions,
  type ReadinessDocument,
} from '../src/index.js';

const TOKEN = 'operator-token-0123456789';

describe('ManagementServer probes: /readyz follows membership and health, /livez the member', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function member(seed?: Cluster): Promise<Cluster> {
    const cluster = await Cluster.create(
      localClusterConfig({
        gossipPort: 0,
        ...(seed === undefined ? {} : { seedNodes: [seed.localNode().gossipAddress] }),
      }),
    );
    cleanups.push(() => cluster.stop());
    await cluster.join();
    return cluster;
  }

  async function serve(options: ManagementServerOptions): Promise<ManagementServer> {
    const server = await ManagementServer.start(options);
    cleanups.push(() => server.stop());
    return server;
  }

  async function probe(
    server: ManagementServer,
    path: '/readyz' | '/livez',
  ): Promise<{ status: number; body: ReadinessDocument & { live?: boolean } }> {
    const response = await fetch(`${server.url}${path.slice(1)}`);
    return {
      status: response.status,
      body: (await response.json()) as ReadinessDocument & { live?: boolean },
    };
  }

  it('a lone member is live but not ready (not joined) by default, ready with readyMinMembers 1', async () => {
    expect(MANAGEMENT_DEFAULTS.readyMinMembers).toBe(2);
    const lone = await member();
    const server = await serve({ cluster: lone });
    expect(await probe(server, '/readyz')).toEqual({
      status: 503,
      body: {
        version: 1,
        ready: false,
        reasons: ['not joined: 1 of 2 members alive'],
        aliveMembers: 1,
        minMembers: 2,
      },
    });
    expect(await probe(server, '/livez')).toEqual({
      status: 200,
      body: { version: 1, live: true },
    });
    const single = await serve({ cluster: lone, readyMinMembers: 1 });
    expect((await probe(single, '/readyz')).status).toBe(200);
  });

  it('ready once joined; not ready while marked unhealthy (draining); neither ready nor live once stopped', async () => {
    const first = await member();
    const second = await member(first);
    const server = await serve({ cluster: second });
    await vi.waitFor(
      () => {
        if (first.members().length < 2) throw new Error('first has not seen second yet');
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(await probe(server, '/readyz')).toEqual({
      status: 200,
      body: { version: 1, ready: true, reasons: [], aliveMembers: 2, minMembers: 2 },
    });

    // What a draining server (enableCluster's stop hook) does first.
    second.setTag(HEALTHY_TAG, 'false');
    const draining = await probe(server, '/readyz');
    expect(draining.status).toBe(503);
    expect(draining.body.reasons).toEqual(['this member is marked unhealthy (draining)']);
    second.setTag(HEALTHY_TAG, 'true');
    expect((await probe(server, '/readyz')).status).toBe(200);

    await second.leave();
    expect(await probe(server, '/readyz')).toMatchObject({
      status: 503,
      body: { ready: false, reasons: ['the cluster member is not running'], aliveMembers: 0 },
    });
    expect(await probe(server, '/livez')).toEqual({
      status: 503,
      body: { version: 1, live: false },
    });
  });

  it('probes need no token (a kubelet cannot send one); the API still does', async () => {
    const first = await member();
    const server = await serve({ cluster: first, token: TOKEN, readyMinMembers: 1 });
    expect((await probe(server, '/readyz')).status).toBe(200);
    expect((await probe(server, '/livez')).status).toBe(200);
    expect((await fetch(`${server.url}api/v1/members`)).status).toBe(401);
  });

  it('refuses a bad readyMinMembers naming the field', async () => {
    const first = await member();
    for (const readyMinMembers of [0, 1.5, -1]) {
      expect(() => new ManagementServer({ cluster: first, readyMinMembers })).toThrow(
        ManagementConfigError,
      );
      expect(() => new ManagementServer({ cluster: first, readyMinMembers })).toThrow(
        /readyMinMembers/,
      );
    }
  });
});

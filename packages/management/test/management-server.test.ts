import { request } from 'node:http';
import { connect } from 'node:net';
import { ConfigError } from '@rpcnet/base';
import { ClusterClient } from '@rpcnet/cluster-client';
import { Cluster, localClusterConfig } from '@rpcnet/gossip';
import { RoundRobin, WorkerRegistry } from '@rpcnet/registry';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MANAGEMENT_API_VERSION,
  ManagementConfigError,
  ManagementServer,
  type ManagementServerOptions,
  type MembersDocument,
  type OverviewDocument,
} from '../src/index.js';

const TOKEN = 'operator-token-0123456789';

describe('ManagementServer over a live two-member cluster on 127.0.0.1', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function twoMembers(): Promise<{ director: Cluster; worker: Cluster }> {
    const director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => director.stop());
    const worker = await Cluster.create(
      localClusterConfig({
        gossipPort: 0,
        seedNodes: [director.localNode().gossipAddress],
        rpcAddress: '127.0.0.1:9',
        tags: { role: 'worker' },
      }),
    );
    cleanups.push(() => worker.stop());
    await worker.join();
    await waitFor(() => director.members().length === 2, {
      timeoutMs: 10_000,
      message: 'the director sees the worker',
    });
    return { director, worker };
  }

  async function serve(options: ManagementServerOptions): Promise<ManagementServer> {
    const server = await ManagementServer.start(options);
    cleanups.push(() => server.stop());
    return server;
  }

  it('listens on 127.0.0.1 by default and serves members, node, overview and the console', async () => {
    const { director, worker } = await twoMembers();
    const server = await serve({ cluster: director });
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`http://${server.address}/`);

    const members = (await getJson(server, '/api/v1/members')) as MembersDocument;
    expect(members.version).toBe(MANAGEMENT_API_VERSION);
    expect(members.self).toBe(director.id);
    const byId = new Map(members.members.map((member) => [member.id, member]));
    expect(byId.get(director.id)).toMatchObject({
      self: true,
      state: 'alive',
      phi: null,
      rttMs: null,
    });
    expect(byId.get(worker.id)).toMatchObject({
      self: false,
      state: 'alive',
      rpcAddress: '127.0.0.1:9',
      gossipAddress: worker.localNode().gossipAddress,
      tags: { role: 'worker' },
    });
    expect(typeof byId.get(worker.id)?.incarnation).toBe('number');

    // Phi and RTT appear once the director has probed the worker (1 s probe interval).
    await waitFor(() => director.probeRtt(worker.id) !== undefined, {
      timeoutMs: 8000,
      message: 'a probe round trip',
    });
    const probed = (await getJson(server, '/api/v1/members')) as MembersDocument;
    const seen = probed.members.find((member) => member.id === worker.id);
    expect(seen?.rttMs).toBeGreaterThanOrEqual(0);

    const node = (await getJson(server, '/api/v1/node')) as Record<string, unknown>;
    expect(node).toMatchObject({
      version: 1,
      node: { id: director.id },
      health: { running: true },
    });
    expect(node.gossip).toHaveProperty('probesSent');

    const overview = (await getJson(server, '/api/v1/overview')) as OverviewDocument;
    expect(overview).toMatchObject({ version: 1, workers: null, client: null, partition: null });
    expect(overview.members).toHaveLength(2);
    expect(overview.health.awareness).toBe(0);

    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>');
    expect((await fetch(`${server.url}metrics`)).status).toBe(404);
  });

  it('serves registry workers, client counters, recent events and the event stream', async () => {
    const { director, worker } = await twoMembers();
    const registry = new WorkerRegistry(director, new RoundRobin(), {
      workerFilter: { role: 'worker' },
    });
    registry.start();
    cleanups.push(() => registry.stop());
    const client = new ClusterClient(registry);
    cleanups.push(() => client.close());
    const server = await serve({
      cluster: director,
      registry,
      client,
      metrics: () => '# TYPE rpcnet_up gauge\nrpcnet_up 1\n',
    });

    const workers = (await getJson(server, '/api/v1/workers')) as { workers: unknown[] };
    expect(workers.workers).toEqual([
      {
        id: worker.id,
        rpcAddress: '127.0.0.1:9',
        state: 'alive',
        tags: { role: 'worker' },
        inFlight: 0,
        latency: { ewmaMs: null, lastMs: null, minMs: null, maxMs: null, samples: 0, failures: 0 },
      },
    ]);
    const clientDoc = (await getJson(server, '/api/v1/client')) as {
      client: Record<string, unknown>;
    };
    expect(clientDoc.client).toMatchObject({ calls: 0, failed: 0, retries: 0, ejectedWorkers: [] });
    expect(typeof clientDoc.client.retryTokens).toBe('number');

    const stream = openStream(server);
    cleanups.push(() => stream.close());
    await worker.leave();
    await waitFor(
      () =>
        stream.text().includes('"type":"NodeLeft"') &&
        stream.text().includes('"type":"WorkerRemoved"'),
      { timeoutMs: 10_000, message: 'NodeLeft and WorkerRemoved on the stream' },
    );
    expect(stream.text()).toMatch(/^retry: \d+/);
    expect(stream.text()).toMatch(/id: \d+\nevent: membership\ndata: \{.*"type":"NodeLeft"/);
    expect(stream.text()).toMatch(/event: registry\ndata: \{.*"reason":"left"/);

    const events = (await getJson(server, '/api/v1/events')) as {
      events: Array<{ seq: number; at: number; source: string; type: string }>;
    };
    expect(events.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['NodeLeft', 'WorkerRemoved']),
    );
    const seqs = events.events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const last = seqs[seqs.length - 1] ?? 0;
    expect(
      ((await getJson(server, `/api/v1/events?since=${last}`)) as { events: [] }).events,
    ).toEqual([]);

    // A reconnecting stream gets what it missed after its Last-Event-ID.
    const resumed = openStream(server, { 'last-event-id': String(last - 1) });
    cleanups.push(() => resumed.close());
    await waitFor(() => resumed.text().includes(`id: ${last}\n`), {
      timeoutMs: 10_000,
      message: 'the missed event is replayed',
    });
    expect(resumed.text()).not.toContain(`id: ${last - 1}\n`);

    const metrics = await fetch(`${server.url}metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('rpcnet_up 1');
  });

  it('refuses API requests without the token when one is set; the page needs none', async () => {
    const { director } = await twoMembers();
    const server = await serve({ cluster: director, token: TOKEN });
    const without = await fetch(`${server.url}api/v1/members`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${server.url}api/v1/members`, {
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${server.url}api/v1/stream`)).status).toBe(401);
    expect((await fetch(`${server.url}metrics`)).status).toBe(401);
    const right = await fetch(`${server.url}api/v1/members`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('is read-only, answers bad input with 4xx and keeps serving', async () => {
    const { director } = await twoMembers();
    const server = await serve({ cluster: director, maxStreams: 1 });
    const post = await fetch(`${server.url}api/v1/members`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}api/v2/members`)).status).toBe(404);
    expect((await fetch(`${server.url}etc/passwd`)).status).toBe(404);
    expect((await getJson(server, '/api/v1/events?since=not-a-number')) as object).toHaveProperty(
      'events',
    );

    // DNS rebinding: a loopback listener refuses a foreign Host header.
    expect(
      await rawRequest(server, 'GET /api/v1/members HTTP/1.1\r\nhost: evil.example\r\n\r\n'),
    ).toMatch(/^HTTP\/1\.1 421/);
    expect(await rawRequest(server, 'this is not http\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await rawRequest(server, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 (400|431)/);
    expect(
      await rawRequest(
        server,
        'GET /api/v1/members HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: x\r\n\r\n',
      ),
    ).toMatch(/^HTTP\/1\.1 400/);

    const first = openStream(server);
    cleanups.push(() => first.close());
    await waitFor(() => first.text().startsWith('retry:'), {
      timeoutMs: 10_000,
      message: 'the first stream opens',
    });
    expect((await fetch(`${server.url}api/v1/stream`)).status).toBe(503);

    expect((await fetch(`${server.url}api/v1/members`)).status).toBe(200);
  });

  it('refuses bad options naming the field', async () => {
    const { director } = await twoMembers();
    const attempt = (options: object) => () =>
      new ManagementServer({ cluster: director, ...options } as ManagementServerOptions);
    for (const [options, field] of [
      [{ port: -1 }, 'port'],
      [{ port: 1.5 }, 'port'],
      [{ token: 'short' }, 'token'],
      [{ host: '' }, 'host'],
      [{ eventHistory: 0 }, 'eventHistory'],
      [{ metrics: 'text' }, 'metrics'],
      [{ cluster: {} }, 'cluster'],
      [{ prot: 80 }, 'prot'],
    ] as const) {
      expect(attempt(options)).toThrow(ManagementConfigError);
      try {
        attempt(options)();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ManagementConfigError).field).toBe(field);
      }
    }
  });
});

async function getJson(server: ManagementServer, path: string): Promise<unknown> {
  const response = await fetch(`${server.url}${path.slice(1)}`);
  expect(response.status, path).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

/** Sends `text` on a fresh TCP connection and resolves with what comes back until it closes. */
function rawRequest(server: ManagementServer, text: string): Promise<string> {
  const [host, port] = server.address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) }, () => socket.end(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

function openStream(
  server: ManagementServer,
  headers: Record<string, string> = {},
): { text(): string; close(): void } {
  let received = '';
  const req = request(`${server.url}api/v1/stream`, { headers }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      received += chunk;
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { text: () => received, close: () => req.destroy() };
}

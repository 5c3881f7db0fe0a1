import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemWallClock } from '@rpcnet/base';
import { ConnectionPool, quicConnector } from '@rpcnet/cluster-client';
import { createDevCertificate, ErrorCode, RpcClient, RpcError, RpcServer } from '@rpcnet/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsHandler, RpcnetMetrics } from '../src/index.js';
import { parseExposition, sample } from './samples.js';

const certificate = createDevCertificate();

describe('/metrics of a QUIC worker under load', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serveMetrics(registry: Registry): Promise<string> {
    const http: Server = createServer(metricsHandler(registry));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}/metrics`;
  }

  it('counts exactly the calls a client made, 64 in flight, and reports the QUIC connection', async () => {
    const workerRegistry = new Registry();
    const workerMetrics = new RpcnetMetrics({ registry: workerRegistry });
    const server = new RpcServer({
      tls: { cert: certificate.certPem, key: certificate.keyPem },
      observers: [workerMetrics.serverObserver],
    });
    server.unary('work', (request) => request);
    server.unary('refuse', () => {
      throw new RpcError(ErrorCode.RESOURCE_EXHAUSTED, 'busy');
    });
    workerMetrics.observeServerTransport(server);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const url = await serveMetrics(workerRegistry);

    const clientRegistry = new Registry();
    const clientMetrics = new RpcnetMetrics({ registry: clientRegistry });
    const client = await RpcClient.connect(address, {
      tls: { ca: certificate.certPem },
      observers: [clientMetrics.clientObserver],
    });
    cleanups.push(() => client.close());
    clientMetrics.observeClientTransport(client);

    const calls = 640;
    let next = 0;
    const request = new Uint8Array(64);
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < calls) {
          next += 1;
          await client.unary('work', request);
        }
      }),
    );
    const refusals = await Promise.allSettled(
      Array.from({ length: 7 }, () => client.unary('refuse', request)),
    );
    expect(refusals.every((result) => result.status === 'rejected')).toBe(true);

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const worker = parseExposition(await response.text());
    const served = (method: string, code: string) =>
      sample(worker, 'rpcnet_rpc_server_duration_seconds_count', { method, kind: 'unary', code });
    expect(served('work', 'OK')).toBe(calls);
    expect(served('refuse', 'RESOURCE_EXHAUSTED')).toBe(7);
    expect(sample(worker, 'rpcnet_rpc_server_received_bytes_total', { method: 'work' })).toBe(
      calls * 64,
    );
    expect(sample(worker, 'rpcnet_rpc_server_in_flight', { method: 'work' })).toBe(0);
    expect(sample(worker, 'rpcnet_quic_server_connections_accepted_total')).toBe(1);
    expect(sample(worker, 'rpcnet_quic_server_connections')).toBe(1);

    const caller = parseExposition(await clientRegistry.metrics());
    expect(
      sample(caller, 'rpcnet_rpc_client_duration_seconds_count', {
        method: 'work',
        kind: 'unary',
        code: 'OK',
      }),
    ).toBe(calls);
    const peer = `127.0.0.1:${address.port}`;
    const packetsSent = sample(caller, 'rpcnet_quic_client_packets_sent_total', { peer });
    expect(packetsSent).toBeGreaterThanOrEqual(1);
    expect(sample(caller, 'rpcnet_quic_client_rtt_seconds', { peer })).toBeLessThan(1);
  });

  it("reports a cluster client's pooled QUIC connection to a worker: RTT, window, losses", async () => {
    const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
    server.unary('work', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const pool = new ConnectionPool({
      connect: quicConnector({ tls: { ca: certificate.certPem } }),
      maxConnectionsPerWorker: 1,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0 },
      clock: systemWallClock,
    });
    cleanups.push(() => pool.close());
    const lease = await pool.acquire({ id: 'w1', rpcAddress: `127.0.0.1:${address.port}` });
    for (let call = 0; call < 20; call += 1) {
      await lease.connection.unary('work', new Uint8Array(64));
    }
    lease.release();
    const registry = new Registry();
    new RpcnetMetrics({ registry }).observeClusterClient({
      metrics: {
        calls: 0,
        succeeded: 0,
        failed: 0,
        retries: 0,
        retriesDenied: 0,
        hedges: 0,
        attemptTimeouts: 0,
        resumes: 0,
        noWorkers: 0,
        ejections: 0,
      },
      pool,
    });
    const s = parseExposition(await registry.metrics());
    expect(sample(s, 'rpcnet_cluster_client_pool_dials_total')).toBe(1);
    expect(sample(s, 'rpcnet_cluster_client_pool_connections')).toBe(1);
    const rtt = sample(s, 'rpcnet_cluster_client_pool_rtt_seconds', { worker: 'w1' });
    // The QUIC binding reports whole milliseconds: loopback reads 0.
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(1);
    expect(
      sample(s, 'rpcnet_cluster_client_pool_congestion_window_bytes', { worker: 'w1' }),
    ).toBeGreaterThan(0);
    // Loss is possible even on loopback (a loaded machine delays acks): the series is there.
    const lost = sample(s, 'rpcnet_cluster_client_pool_packets_lost', { worker: 'w1' });
    expect(Number.isInteger(lost)).toBe(true);
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const url = await serveMetrics(new Registry());
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

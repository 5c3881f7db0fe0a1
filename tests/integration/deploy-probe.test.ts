import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPorts, waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess } from '../fixtures/examples/example-process.js';

const probe = fileURLToPath(new URL('../../deploy/probe.mjs', import.meta.url));

/** Runs the image's HEALTHCHECK (`node deploy/probe.mjs`) against `url`; resolves its exit code. */
function runProbe(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    spawn(process.execPath, [probe], { env: { PROBE_URL: url }, stdio: 'ignore' }).once(
      'exit',
      resolve,
    );
  });
}

/** A TCP port free on 127.0.0.1 now (bound, then released). */
async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls the probe until it exits with `code`; fails naming `what` after `boundMs`. */
async function probeUntil(url: string, code: number, what: string, boundMs = 30_000) {
  await waitFor(async () => (await runProbe(url)) === code, {
    timeoutMs: boundMs,
    intervalMs: 200,
    message: what,
  });
}

describe('deploy/probe.mjs (the image HEALTHCHECK) against the example processes the image runs', () => {
  const started: ExampleProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const example of started.splice(0)) example.kill();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('fails until a worker has joined, passes once it and the director are members, fails for a director left alone', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'rpcnet-probe-test-'));
    dirs.push(certDir);
    const [directorPort, directorGossip, workerPort, workerGossip] = await freeUdpPorts(4);
    const [directorManagement, workerManagement] = [await freeTcpPort(), await freeTcpPort()];
    const shared = {
      RPCNET_DEV_CERT_DIR: certDir,
      DIRECTOR_ADDR: `127.0.0.1:${directorPort}`,
      DIRECTOR_GOSSIP_PORT: String(directorGossip),
    };
    const readyz = (port: number | undefined) => `http://127.0.0.1:${port}/readyz`;
    // The image's environment (deploy/Dockerfile): each role serves its management endpoint.
    const worker = new ExampleProcess('worker', 'cluster/worker.ts', {
      ...shared,
      WORKER_ADDR: `127.0.0.1:${workerPort}`,
      WORKER_GOSSIP_PORT: String(workerGossip),
      WORKER_MANAGEMENT_ADDR: `127.0.0.1:${workerManagement}`,
    });
    started.push(worker);
    // No director yet: the worker cannot join, so it serves no probe.
    expect(await runProbe(readyz(workerManagement))).toBe(1);

    const director = new ExampleProcess('director', 'cluster/director.ts', {
      ...shared,
      MANAGEMENT_ADDR: `127.0.0.1:${directorManagement}`,
    });
    started.push(director);
    await probeUntil(readyz(workerManagement), 0, 'the worker to be ready');
    await probeUntil(readyz(directorManagement), 0, 'the director to be ready');
    // Both serve their Prometheus metrics beside the probes.
    const metricsOf = async (port: number | undefined) =>
      (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const workerMetrics = await metricsOf(workerManagement);
    expect(workerMetrics).toContain('rpcnet_gossip_members{state="alive"} 2\n');
    expect(workerMetrics).toContain('rpcnet_quic_server_connections_accepted_total ');
    await expect
      .poll(() => metricsOf(directorManagement), { timeout: 10_000 })
      .toContain('rpcnet_registry_workers{state="alive"} 1\n');
    expect(await metricsOf(directorManagement)).toContain(
      'rpcnet_gossip_members{state="alive"} 2\n',
    );

    // The worker is gone: the director sees no other member, so it is not ready any more.
    worker.kill();
    await probeUntil(readyz(directorManagement), 1, 'the director alone to be not ready', 60_000);
    expect(await runProbe(readyz(workerManagement))).toBe(1);
  }, 120_000);
});

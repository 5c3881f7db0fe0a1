import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExampleProcess,
  processExists,
  type Report,
} from '../fixtures/examples/example-process.js';

interface Counters {
  readonly callsStarted: number;
  readonly callsCompleted: number;
  readonly callsLost: number;
  readonly failovers: number;
  readonly tokens: number;
}

const countersOf = (report: Report | undefined): Counters | undefined =>
  report?.counters as Counters | undefined;

/** Bound on start-up: the director and both workers in the pool. */
const STARTUP_BOUND_MS = 60_000;

describe('examples/cluster: director, workers and both client modes as processes', () => {
  const started: ExampleProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const example of started.splice(0)) example.kill();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves, fails over through the director and with ClusterClient, and stops cleanly', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'rpcnet-examples-test-'));
    dirs.push(certDir);
    const [directorPort, directorGossip, w1, w1Gossip, w2, w2Gossip] = await freeUdpPorts(6);
    const shared = {
      RPCNET_DEV_CERT_DIR: certDir,
      DIRECTOR_ADDR: `127.0.0.1:${directorPort}`,
      DIRECTOR_GOSSIP_PORT: String(directorGossip),
      TOKEN_INTERVAL_MS: '40',
      CLIENT_TOKENS: '10',
    };
    const run = (name: string, script: string, env: NodeJS.ProcessEnv = {}) => {
      const example = new ExampleProcess(name, script, { ...shared, ...env });
      started.push(example);
      return example;
    };

    // Everything starts at once: workers retry joining and clients retry the director until it is up.
    const director = run('director', 'cluster/director.ts', {
      DIRECTOR_REQUEST_INTERVAL_MS: '500',
    });
    const steady = run('worker-1', 'cluster/worker.ts', {
      WORKER_LABEL: 'worker-1',
      WORKER_ADDR: `127.0.0.1:${w1}`,
      WORKER_GOSSIP_PORT: String(w1Gossip),
    });
    const failing = run('worker-2', 'cluster/worker.ts', {
      WORKER_LABEL: 'worker-2',
      WORKER_ADDR: `127.0.0.1:${w2}`,
      WORKER_GOSSIP_PORT: String(w2Gossip),
      WORKER_FAILURE_ENABLED: 'true',
      WORKER_RUN_MS: '1500',
      WORKER_WARNING_MS: '300',
      WORKER_FAILED_MS: '1500',
      WORKER_RECOVERING_MS: '300',
    });

    // Two sessions through the director: LeastConnections puts one on each worker, so the failing
    // worker's next failure breaks a stream that must continue elsewhere.
    const viaDirector = run('client', 'cluster/client.ts', { CLIENT_SESSIONS: '2' });
    const viaClusterClient = run('cluster-client', 'cluster/client.ts', {
      CLIENT_MODE: 'cluster-client',
      CLIENT_SESSIONS: '1',
    });
    const added = () =>
      new Set(director.reports.filter((r) => r.type === 'worker-added').map((r) => r.label));
    await director.waitFor(
      () => added().has('worker-1') && added().has('worker-2'),
      'both workers in the pool',
      // The processes compile and start at once: on a loaded machine that alone can take ~20 s.
      STARTUP_BOUND_MS,
    );
    await viaDirector.waitFor(() => {
      const counters = countersOf(viaDirector.latest('client-stats'));
      return counters !== undefined && counters.failovers >= 1 && counters.callsCompleted >= 3;
    }, 'a failover and three completed calls through the director');
    await viaClusterClient.waitFor(
      () => (countersOf(viaClusterClient.latest('client-stats'))?.callsCompleted ?? 0) >= 3,
      'three completed calls through ClusterClient',
    );
    // Clients fail over on the worker's own errors, which can come before the director's
    // registry hears (through gossip) that the worker marked itself unhealthy: wait for it.
    await director.waitFor(
      () =>
        director.lines.some((line) => line.includes('worker-2 removed from the pool (unhealthy)')),
      'the director to drop the failing worker',
    );
    expect(failing.lines.some((line) => line.includes('FAILED (simulated)'))).toBe(true);

    // The lines the example's README promises, at the default log level.
    const has = (example: ExampleProcess, pattern: RegExp) =>
      example.lines.some((line) => pattern.test(line));
    expect(has(director, /⚖️ {1,2}balancing strategy: least-connections/)).toBe(true);
    expect(has(director, /🎯 assigned worker-[12] \(127\.0\.0\.1:\d+\) to session-[12]/)).toBe(
      true,
    );
    await director.waitFor(
      () => has(director, /📨 director → worker-1: compute\(\d+, \d+, \d+\) = \d+ in \d+ ms/),
      "the director's periodic request to worker-1",
    );
    expect(has(viaDirector, /🔤 session-[12] token 1\/10 from worker-[12]: \w+/)).toBe(true);
    expect(has(viaClusterClient, /🔤 session-1 token \d+\/10 from worker-[12]: \w+/)).toBe(true);
    expect(has(steady, /🎬 worker-1 streaming tokens 1-10 of "session-\d question \d+"/)).toBe(
      true,
    );
    expect(has(failing, /next simulated failure in 1\.5 s/)).toBe(true);

    for (const client of [viaDirector, viaClusterClient]) {
      expect(await client.stop()).toEqual({ code: 0, signal: null });
      const final = countersOf(client.latest('client-stats'));
      expect(final?.callsLost).toBe(0);
      expect(final?.callsCompleted).toBe(final?.callsStarted);
      expect(client.lines.some((line) => line.includes('client done'))).toBe(true);
    }
    const switched = viaDirector.lines.find((line) => line.includes('switched worker-2 →'));
    expect(switched, viaDirector.output()).toBeDefined();

    // Ctrl-C and SIGTERM stop a role as cleanly as the demo's IPC request does.
    steady.signal('SIGINT');
    expect(await steady.exited).toEqual({ code: 0, signal: null });
    await director.waitFor(
      () => director.reports.some((r) => r.type === 'worker-removed' && r.label === 'worker-1'),
      'worker-1 to leave the pool',
    );
    expect(await failing.stop()).toEqual({ code: 0, signal: null });
    director.signal('SIGTERM');
    expect(await director.exited).toEqual({ code: 0, signal: null });
    for (const example of started) {
      expect(example.latest('stopped'), example.name).toBeDefined();
      expect(processExists(example.pid ?? -1)).toBe(false);
    }
  }, 120_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, processExists } from '../fixtures/examples/example-process.js';

interface Counters {
  readonly callsStarted: number;
  readonly callsCompleted: number;
  readonly callsLost: number;
  readonly failovers: number;
  readonly activeCalls: number;
}

/** Bound on start-up: the director and both workers in the pool. */
const STARTUP_BOUND_MS = 60_000;

describe('examples/connection_swap: a logical session across workers', () => {
  const started: ExampleProcess[] = [];
  let certDir: string | undefined;
  afterEach(() => {
    for (const example of started.splice(0)) example.kill();
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  });

  it('keeps the session id and every message across connection swaps, and stops cleanly', async () => {
    certDir = mkdtempSync(join(tmpdir(), 'rpcnet-swap-test-'));
    const [directorPort, directorGossip, w1, w1Gossip, w2, w2Gossip] = await freeUdpPorts(6);
    const shared = {
      RPCNET_DEV_CERT_DIR: certDir,
      DIRECTOR_ADDR: `127.0.0.1:${directorPort}`,
      DIRECTOR_GOSSIP_PORT: String(directorGossip),
      SWAP_MESSAGE_INTERVAL_MS: '50',
      WORKER_FAILURE_ENABLED: 'true',
      WORKER_WARNING_MS: '200',
      WORKER_FAILED_MS: '1200',
      WORKER_RECOVERING_MS: '200',
    };
    const run = (name: string, script: string, env: NodeJS.ProcessEnv = {}) => {
      const example = new ExampleProcess(name, script, { ...shared, ...env });
      started.push(example);
      return example;
    };
    // Everything starts at once: workers retry joining and the client retries the director.
    const director = run('director', 'connection_swap/director.ts');
    // Both workers fail now and then, at different times, so the session has to move both ways.
    const workers = [
      run('worker-1', 'connection_swap/worker.ts', {
        WORKER_LABEL: 'worker-1',
        WORKER_ADDR: `127.0.0.1:${w1}`,
        WORKER_GOSSIP_PORT: String(w1Gossip),
        WORKER_RUN_MS: '1500',
      }),
      run('worker-2', 'connection_swap/worker.ts', {
        WORKER_LABEL: 'worker-2',
        WORKER_ADDR: `127.0.0.1:${w2}`,
        WORKER_GOSSIP_PORT: String(w2Gossip),
        WORKER_RUN_MS: '2600',
      }),
    ];
    const client = run('swap-client', 'connection_swap/client.ts');
    await director.waitFor(
      () => director.reports.filter((r) => r.type === 'worker-added').length >= 2,
      'both workers in the pool',
      // The processes compile and start at once: on a loaded machine that alone can take ~20 s.
      STARTUP_BOUND_MS,
    );
    const counters = () => client.latest('client-stats')?.counters as Counters | undefined;
    await client.waitFor(
      () => (counters()?.failovers ?? 0) >= 2 && (counters()?.callsCompleted ?? 0) >= 20,
      'two connection swaps and twenty acknowledged messages',
    );

    expect(await client.stop()).toEqual({ code: 0, signal: null });
    const final = counters();
    expect(final?.callsLost).toBe(0);
    expect(final?.activeCalls).toBe(0);
    expect(final?.callsCompleted).toBe(final?.callsStarted);
    const sessionLine = client.lines.find((line) => line.includes('logical session'));
    const sessionId = /logical session ([0-9a-f-]{36})/.exec(sessionLine ?? '')?.[1];
    expect(sessionId, client.output()).toBeDefined();
    const swaps = client.lines.filter((line) => line.includes('swapped'));
    expect(swaps.length).toBeGreaterThanOrEqual(2);
    // Every swap names the same logical session.
    for (const line of swaps) expect(line).toContain(`session ${sessionId?.slice(0, 8)}`);
    const attachedOn = workers.filter((w) => w.lines.some((line) => line.includes('attached')));
    expect(attachedOn.length).toBe(2);

    for (const worker of workers) expect(await worker.stop()).toEqual({ code: 0, signal: null });
    expect(await director.stop()).toEqual({ code: 0, signal: null });
    for (const example of started) expect(processExists(example.pid ?? -1)).toBe(false);
  }, 120_000);
});

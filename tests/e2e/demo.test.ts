import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, processExists } from '../fixtures/examples/example-process.js';

/** The demo's machine-readable summary line (see examples/demo/demo-summary.ts). */
interface DemoSummary {
  readonly interrupted: boolean;
  readonly workersExpected: readonly string[];
  readonly workersDiscovered: readonly string[];
  readonly calls: number;
  readonly completed: number;
  readonly lost: number;
  readonly failovers: number;
  readonly detections: ReadonlyArray<{ readonly registryMs?: number; readonly clientMs?: number }>;
  readonly children: ReadonlyArray<{
    readonly name: string;
    readonly pid?: number;
    readonly exitCode: number | null;
    readonly killed: boolean;
  }>;
  readonly ok: boolean;
}

function summaryOf(demo: ExampleProcess): DemoSummary {
  const line = demo.lines.find((l) => l.startsWith('DEMO_SUMMARY '));
  if (line === undefined) throw new Error(`no summary line\n${demo.output()}`);
  return JSON.parse(line.slice('DEMO_SUMMARY '.length)) as DemoSummary;
}

/**
 * A short failure cycle: worker-3 first fails about 6.5 s after it joins, which is after the client
 * started (it starts once all workers are in the pool) and well before the run ends.
 */
const SHORT_CYCLE = {
  TOKEN_INTERVAL_MS: '50',
  WORKER_RUN_MS: '6000',
  WORKER_WARNING_MS: '500',
  WORKER_FAILED_MS: '2500',
  WORKER_RECOVERING_MS: '500',
};

describe('pnpm demo (examples/demo/main.ts)', () => {
  const started: ExampleProcess[] = [];
  afterEach(() => {
    for (const demo of started.splice(0)) demo.kill();
  });

  it('runs a director, three workers and a client, fails over, loses nothing and exits 0', async () => {
    const demo = new ExampleProcess(
      'demo',
      'demo/main.ts',
      { ...SHORT_CYCLE, DEMO_DURATION_S: '18' },
      ['--plain'],
    );
    started.push(demo);
    // The demo prints the director's web console; its management API lists the workers.
    const consoleLine = () => demo.lines.find((l) => l.startsWith('[demo] web console: '));
    await demo.waitFor(() => consoleLine() !== undefined, 'the web console URL');
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(consoleLine() ?? '')?.[0];
    expect(url, consoleLine()).toBeDefined();
    expect((await fetch(url ?? '')).status).toBe(200);
    const workerLabels = async (): Promise<string[]> => {
      const response = await fetch(`${url}api/v1/workers`);
      const document = (await response.json()) as { workers: Array<{ tags: { label?: string } }> };
      return document.workers.map((w) => w.tags.label ?? '').sort();
    };
    await expect
      .poll(workerLabels, { timeout: 30_000 })
      .toEqual(['worker-1', 'worker-2', 'worker-3']);
    // The director's Prometheus metrics sit beside its console.
    const metrics = await (await fetch(`${url}metrics`)).text();
    expect(metrics).toMatch(/^rpcnet_registry_workers\{state="alive"\} \d+$/m);
    expect(metrics).toMatch(
      /^rpcnet_registry_selections_total\{strategy="least-connections",outcome="alive"\} \d+$/m,
    );

    const exit = await demo.exited;
    expect(exit, demo.output()).toEqual({ code: 0, signal: null });

    const summary = summaryOf(demo);
    expect(summary.interrupted).toBe(false);
    expect(summary.workersDiscovered).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(summary.failovers, demo.output(400)).toBeGreaterThanOrEqual(1);
    expect(summary.lost).toBe(0);
    expect(summary.completed).toBeGreaterThan(0);
    expect(summary.detections.length).toBeGreaterThanOrEqual(1);
    expect(summary.detections[0]?.registryMs).toBeGreaterThanOrEqual(0);
    expect(summary.ok).toBe(true);
    expect(summary.children.map((c) => c.name).sort()).toEqual([
      'client',
      'director',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    for (const child of summary.children) {
      expect(child.exitCode, child.name).toBe(0);
      expect(child.killed, child.name).toBe(false);
      expect(processExists(child.pid ?? -1), `${child.name} still running`).toBe(false);
    }
    // The plain view: status lines while running and the human summary at the end.
    expect(demo.lines.some((l) => l.startsWith('[demo]') && l.includes('phi='))).toBe(true);
    expect(demo.lines).toContain('lost calls = 0 ✅');
  });

  it('`pnpm demo swap` runs connection_swap end to end: staggered failures, every message acknowledged in order', async () => {
    const demo = new ExampleProcess(
      'demo-swap',
      'demo/main.ts',
      {
        SWAP_MESSAGE_INTERVAL_MS: '50',
        // Seed 2 draws first running phases of about 5.8 s (worker-1) and 8.4 s (worker-2).
        WORKER_RUN_MS: '5000-9000',
        WORKER_FAILURE_SEED: '2',
        WORKER_WARNING_MS: '300',
        WORKER_FAILED_MS: '1500',
        WORKER_RECOVERING_MS: '300',
        DEMO_DURATION_S: '30',
      },
      ['swap', '--plain'],
    );
    started.push(demo);
    const exit = await demo.exited;
    expect(exit, demo.output()).toEqual({ code: 0, signal: null });
    const summary = summaryOf(demo);
    expect(summary.ok).toBe(true);
    expect(summary.lost).toBe(0);
    expect(summary.calls).toBeGreaterThan(20);
    expect(summary.completed).toBe(summary.calls);
    expect(summary.failovers, demo.output(400)).toBeGreaterThanOrEqual(1);
    expect(demo.lines).toContain('━━━ rpcnet connection_swap demo: summary ━━━');
    expect(demo.lines).toContain('lost messages = 0 ✅');
    expect(
      demo.lines.some((l) =>
        /🏁 session \w+: (\d+) messages sent, \1 acknowledged in order/.test(l),
      ),
    ).toBe(true);

    // The two failing workers fail at different times, each its own random running phase.
    const firstFailure = (label: string): number => {
      const line = demo.lines.find(
        (l) => l.includes(`[${label}]`) && l.includes('FAILED (simulated)'),
      );
      expect(line, `${label} never failed\n${demo.output(200)}`).toBeDefined();
      const [h, m, sec] = (line ?? '').slice(0, 12).split(':').map(Number);
      return ((h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0)) * 1000;
    };
    expect(Math.abs(firstFailure('worker-1') - firstFailure('worker-2'))).toBeGreaterThan(1000);
    const plans = demo.lines.filter((l) => l.includes('next simulated failure in'));
    expect(new Set(plans.map((l) => /in ([\d.]+) s/.exec(l)?.[1])).size).toBeGreaterThan(1);
  }, 90_000);

  it('stops every child and exits 0 on Ctrl-C (SIGINT)', async () => {
    const demo = new ExampleProcess(
      'demo',
      'demo/main.ts',
      { DEMO_DURATION_S: '120', TOKEN_INTERVAL_MS: '50' },
      ['--plain'],
    );
    started.push(demo);
    await demo.waitFor(
      () => demo.lines.some((l) => l.includes('session(s) streaming')),
      'the client to start',
      30_000,
    );
    demo.signal('SIGINT');
    const exit = await demo.exited;
    expect(exit, demo.output()).toEqual({ code: 0, signal: null });
    const summary = summaryOf(demo);
    expect(summary.interrupted).toBe(true);
    expect(summary.ok).toBe(true);
    expect(summary.lost).toBe(0);
    expect(summary.children).toHaveLength(5);
    for (const child of summary.children) {
      expect(child.exitCode, child.name).toBe(0);
      expect(processExists(child.pid ?? -1), `${child.name} still running`).toBe(false);
    }
  });
});

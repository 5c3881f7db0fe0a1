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

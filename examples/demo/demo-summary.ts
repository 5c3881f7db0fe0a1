import type { DemoScenario } from './demo-scenarios.js';
import type { DemoState } from './demo-state.js';
import type { ChildExit } from './example-child.js';

/** The outcome of a demo run; also printed as one JSON line (`DEMO_SUMMARY {...}`) for tools. */
export interface DemoSummary {
  readonly durationS: number;
  /** True when Ctrl-C (or SIGTERM) ended the run before its duration. */
  readonly interrupted: boolean;
  readonly workersExpected: readonly string[];
  readonly workersDiscovered: readonly string[];
  readonly calls: number;
  readonly completed: number;
  readonly lost: number;
  readonly cancelled: number;
  readonly tokens: number;
  readonly failovers: number;
  /** Per simulated failure: ms until the director dropped the worker / the client moved away. */
  readonly detections: ReadonlyArray<{
    readonly label: string;
    readonly registryMs: number | undefined;
    readonly clientMs: number | undefined;
  }>;
  readonly children: ReadonlyArray<{
    readonly name: string;
    readonly pid: number | undefined;
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly killed: boolean;
  }>;
  /**
   * True when nothing was lost, every child exited 0 on its own and (unless interrupted first) all
   * workers were found and the client ran.
   */
  readonly ok: boolean;
}

/** Builds the summary from what the demo saw. */
export function summarize(
  state: DemoState,
  expectedWorkers: readonly string[],
  durationS: number,
  exits: ReadonlyArray<{
    readonly name: string;
    readonly pid: number | undefined;
    readonly exit: ChildExit;
  }>,
  interrupted = false,
): DemoSummary {
  const client = state.client;
  const discovered = expectedWorkers.filter((label) => state.discovered.has(label));
  const children = exits.map(({ name, pid, exit }) => ({
    name,
    pid,
    exitCode: exit.code,
    signal: exit.signal,
    killed: exit.killed,
  }));
  const lost = client?.callsLost ?? 0;
  const complete = client !== undefined && discovered.length === expectedWorkers.length;
  return {
    durationS,
    interrupted,
    workersExpected: expectedWorkers,
    workersDiscovered: discovered,
    calls: client?.callsStarted ?? 0,
    completed: client?.callsCompleted ?? 0,
    lost,
    cancelled: client?.callsCancelled ?? 0,
    tokens: client?.tokens ?? 0,
    failovers: client?.failovers ?? 0,
    detections: state.episodes.map((episode) => ({
      label: episode.label,
      registryMs:
        episode.removedAt === undefined ? undefined : episode.removedAt - episode.failedAt,
      clientMs:
        episode.failoverAt === undefined ? undefined : episode.failoverAt - episode.failedAt,
    })),
    children,
    ok:
      (complete || interrupted) &&
      lost === 0 &&
      children.every((child) => child.exitCode === 0 && !child.killed),
  };
}

/** The human-readable summary, in the scenario's terms (calls and tokens, or messages). */
export function formatSummary(
  summary: DemoSummary,
  scenario: Pick<DemoScenario, 'title' | 'unit'>,
): string[] {
  const ms = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value} ms`);
  const lines = [
    '',
    `━━━ ${scenario.title}: summary ━━━`,
    `ran for ${summary.durationS.toFixed(1)} s${summary.interrupted ? ' (stopped early by Ctrl-C)' : ''}`,
    `workers discovered: ${summary.workersDiscovered.length}/${summary.workersExpected.length} (${summary.workersDiscovered.join(', ') || 'none'})`,
    scenario.unit === 'calls'
      ? `calls: ${summary.calls} started, ${summary.completed} completed, ${summary.lost} lost, ${summary.cancelled} cancelled at shutdown; ${summary.tokens} tokens`
      : `messages: ${summary.calls} sent, ${summary.completed} acknowledged in order, ${summary.lost} lost`,
    scenario.unit === 'calls'
      ? `failovers: ${summary.failovers}`
      : `connection swaps: ${summary.failovers}`,
  ];
  if (summary.detections.length === 0) {
    lines.push('simulated failures: none happened during the run');
  }
  for (const [index, d] of summary.detections.entries()) {
    lines.push(
      `failure ${index + 1} (${d.label}): director's registry dropped it after ${ms(d.registryMs)}, client moved away after ${ms(d.clientMs)}`,
    );
  }
  const clean = summary.children.filter((c) => c.exitCode === 0 && !c.killed).length;
  lines.push(`processes: ${summary.children.length} started, ${clean} stopped cleanly`);
  for (const child of summary.children.filter((c) => c.exitCode !== 0 || c.killed)) {
    lines.push(
      `  ${child.name}: exit ${child.exitCode ?? child.signal}${child.killed ? ' (killed after the stop bound)' : ''}`,
    );
  }
  lines.push(
    summary.lost === 0
      ? `lost ${scenario.unit} = 0 ✅`
      : `lost ${scenario.unit} = ${summary.lost} ❌`,
  );
  lines.push(summary.ok ? 'result: OK' : 'result: FAILED');
  return lines;
}

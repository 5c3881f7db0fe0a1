// The benchmark report: the shape of bench/results/latest.json, and its rendering as Markdown
// tables (latest.md) and SVG plots.
import type { FailoverBenchResult } from './failover.js';
import type { GossipBenchResult } from './gossip.js';
import type { PhiBenchResult } from './phi.js';
import { lineChartSvg } from './plot.js';
import type { RegistryBenchRow } from './registry.js';
import { type RpcSection, rpcSection, rpcThroughputPlot } from './rpc-report.js';

export {
  type DriverRatio,
  driverRatios,
  type GrpcRatio,
  grpcRatios,
  issueTargets,
  type RpcSection,
} from './rpc-report.js';

/** The suites `pnpm bench` knows, in the order it runs them. */
export const SUITE_NAMES = ['phi', 'registry', 'gossip', 'rpc', 'failover'] as const;

/** One suite's name. */
export type SuiteName = (typeof SUITE_NAMES)[number];

/** When and under what conditions one suite ran. */
export interface SuiteRun<T> {
  /** ISO time the suite started. */
  readonly ranAt: string;
  readonly quick: boolean;
  readonly wallMs: number;
  /** 1, 5 and 15 minute load averages when the suite started and ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  /** The results, or undefined when the suite threw (see `error`). */
  readonly results: T | undefined;
  readonly error?: string;
}

/** Everything in bench/results/latest.json. */
export interface BenchReport {
  readonly schema: 'rpcnet-bench/1';
  /** ISO time the report was last written. */
  readonly updatedAt: string;
  /** The command line of the last run that wrote it. */
  readonly command: string;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly totalMemoryMiB: number;
  };
  readonly suites: {
    phi?: SuiteRun<readonly PhiBenchResult[]>;
    registry?: SuiteRun<readonly RegistryBenchRow[]>;
    gossip?: SuiteRun<readonly GossipBenchResult[]>;
    rpc?: SuiteRun<RpcSection>;
    failover?: SuiteRun<FailoverBenchResult>;
  };
}

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value)
    ? '-'
    : value < 10
      ? value.toFixed(2)
      : value.toFixed(0);
const seconds = (valueMs: number | undefined): string =>
  valueMs === undefined ? '-' : (valueMs / 1000).toFixed(2);
const load = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' ');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function runNote(run: SuiteRun<unknown>): string {
  const mode = run.quick ? ', `--quick`' : '';
  return `_Ran ${run.ranAt} in ${(run.wallMs / 1000).toFixed(0)} s${mode}; load average ${load(run.loadAverageStart)} at start, ${load(run.loadAverageEnd)} at end._`;
}

function phiSection(results: readonly PhiBenchResult[]): string {
  return table(
    ['case', 'ns/op', 'ns/call', 'heap B/op'],
    results.map((r) => [
      r.name,
      r.nsPerOp.toFixed(1),
      (r.nsPerOp / r.callsPerOp).toFixed(1),
      `${r.bytesPerOp.toFixed(2)}${r.allocationExact ? '' : ' (lower bound)'}`,
    ]),
  );
}

function registrySection(rows: readonly RegistryBenchRow[]): string {
  const sizes = [...new Set(rows.map((row) => row.workers))];
  const filters = [...new Set(rows.map((row) => row.filter))];
  const strategies = [...new Set(rows.map((row) => row.strategy))];
  const header = [
    'strategy',
    ...sizes.flatMap((size) => filters.map((filter) => `${count(size)} workers, ${filter}`)),
  ];
  return table(
    header,
    strategies.map((strategy) => [
      strategy,
      ...sizes.flatMap((size) =>
        filters.map((filter) => {
          const row = rows.find(
            (r) => r.strategy === strategy && r.workers === size && r.filter === filter,
          );
          return row === undefined ? '-' : count(row.nsPerSelect);
        }),
      ),
    ]),
  );
}

function gossipSection(results: readonly GossipBenchResult[]): string {
  const main = table(
    [
      'nodes',
      'formation s',
      'join -> all s',
      'crash -> 1st NodeFailed s',
      'crash -> all NodeFailed s',
      'bytes/node/s',
      'datagrams/node/s',
    ],
    results.map((r) => [
      count(r.nodes),
      seconds(r.formationMs),
      seconds(r.joinPropagationMs),
      seconds(r.failureFirstMs),
      seconds(r.failureAllMs),
      count(r.bytesPerNodePerSecond),
      r.datagramsPerNodePerSecond.toFixed(2),
    ]),
  );
  const lossRates = results[0]?.falsePositives.map((fp) => fp.lossRate) ?? [];
  const falsePositives = table(
    [
      'nodes',
      ...lossRates.map(
        (rate) =>
          `${Math.round(rate * 100)}% loss: false NodeFailed (suspicions) / simulated node-hours`,
      ),
    ],
    results.map((r) => [
      count(r.nodes),
      ...r.falsePositives.map(
        (fp) =>
          `${fp.falseFailures} (${fp.suspicions}) / ${((r.nodes * fp.simulatedMs) / 3_600_000).toFixed(1)}`,
      ),
    ]),
  );
  const compared = results.flatMap((r) => (r.rules === undefined ? [] : [r.rules]));
  const rules =
    compared.length === 0
      ? ''
      : `\n\nSuspicion rules in the same run (same seeds, crashes and loss; crash -> every member's NodeFailed; false failures at 10% loss):\n\n${table(
          [
            'nodes',
            'rule',
            'crashes',
            'median s',
            'p99 s',
            'memberlist best case s (formula)',
            'false NodeFailed (suspicions) / node-hours',
            'formation p99 s (seeds)',
            'KB/node/s over push-pull periods',
          ],
          compared.flatMap((c) =>
            c.rules.map((rule) => [
              count(c.nodes),
              rule.rule,
              count(rule.crashToAllFailedMs.length),
              seconds(rule.medianMs),
              seconds(rule.p99Ms),
              seconds(c.memberlistBestCaseMs),
              `${rule.falseFailures} (${rule.suspicions}) / ${rule.lossNodeHours.toFixed(1)}`,
              rule.rule === 'adaptive'
                ? `${seconds(c.formationP99Ms)} (${c.formationMs.length})`
                : '',
              rule.rule === 'adaptive' ? (c.bytesPerNodePerSecond / 1000).toFixed(2) : '',
            ]),
          ),
        )}`;
  return `${main}\n\nFalse failures under datagram loss (healthy members only):\n\n${falsePositives}${rules}`;
}

function failoverSection(result: FailoverBenchResult): string {
  const c = result.config;
  const measures = [
    ['calls failed or lost / total', undefined],
    ['p99 latency of the calls around the kill', 'p99DuringKill'],
    ['first call that had gone to the victim served by another worker', 'firstFailover'],
    ['last call the balancer routed to the victim', 'lastRouted'],
    ['director declares the victim failed (registry drops it)', 'directorFailed'],
    ['every surviving member declares it failed', 'allFailed'],
  ] as const;
  const summary = table(
    ['measure (ms after kill -9), median / max', ...result.variants.map((v) => v.variant)],
    measures.map(([name, key]) => [
      name,
      ...result.variants.map((v) =>
        key === undefined
          ? `${count(v.failedCalls)} / ${count(v.calls)}`
          : `${ms(v[key].medianMs)} / ${ms(v[key].maxMs)} (${v[key].samples}/${v.trials})`,
      ),
    ]),
  );
  const trials = table(
    [
      'client',
      'trial',
      'killed',
      'p99 around the kill',
      'first failover',
      'last routed',
      'first suspect',
      'director failed',
      'all failed',
      'calls ok / total',
      'typed failures',
      'untyped or lost',
      'slowest call',
      'retries (denied), hedges',
    ],
    result.trials.map((t) => [
      t.variant,
      `${t.trial + 1}`,
      t.victim,
      ms(t.p99DuringKillMs),
      ms(t.firstFailoverMs),
      ms(t.lastRoutedMs),
      ms(t.firstSuspectMs),
      ms(t.directorFailedMs),
      ms(t.allFailedMs),
      `${count(t.succeeded)} / ${count(t.calls)}`,
      Object.entries(t.failedByCode)
        .map(([code, n]) => `${n} ${code}`)
        .join(', ') || '0',
      `${t.untyped}`,
      ms(t.slowestCallMs),
      `${t.retries} (${t.retriesDenied}), ${t.hedges}`,
    ]),
  );
  return [
    `Director (this process) + 3 worker processes on 127.0.0.1, gossip preset \`localClusterConfig()\`: probe every ${c.probeIntervalMs} ms, probe timeout ${c.probeTimeoutMs} ms, suspicion multiplier ${c.suspicionMultiplier} (suspicion timeout ${c.suspicionMinMs}-${c.suspicionMaxMs} ms for 4 members). Load: ${c.callsPerSecond} calls/s through ClusterClient (round robin, call deadline ${c.callTimeoutMs} ms). Clients: \`tuned\` sets \`attemptTimeoutMs: ${c.attemptTimeoutMs}\`; \`defaults\` sets nothing (adaptive attempt timeout, membership signals); \`hedging\` is the defaults with \`hedging: { enabled: true }\`. "Around the kill": calls started from 500 ms before to 3000 ms after it.`,
    '',
    summary,
    '',
    trials,
  ].join('\n');
}

/** Renders the report as Markdown: one section per suite present. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const parts: string[] = [
    '# rpcnet benchmark results',
    '',
    `Written by \`${report.command}\` at ${report.updatedAt}. Machine: ${m.cpus} x ${m.cpuModel}, ${count(m.totalMemoryMiB)} MiB, Node ${m.node} on ${m.platform}. The machine is shared: absolute numbers move with its load, ratios much less. Sections below may come from different runs (\`--only\`); each says when it ran.`,
    '',
  ];
  const section = <T>(
    title: string,
    run: SuiteRun<T> | undefined,
    render: (results: T) => string,
    plots: readonly string[] = [],
  ): void => {
    if (run === undefined) return;
    parts.push(`## ${title}`, '', runNote(run), '');
    if (run.results === undefined) {
      parts.push(`**Failed:** ${run.error ?? 'unknown error'}`, '');
      return;
    }
    let rendered: string;
    try {
      rendered = render(run.results);
    } catch (error) {
      // Results written by an older version of a suite: keep the rest of the report.
      const reason = error instanceof Error ? error.message : String(error);
      parts.push(
        `**Not rendered:** these results do not fit this version's report (${reason}); run the suite again.`,
        '',
      );
      return;
    }
    parts.push(rendered, '');
    for (const plot of plots) parts.push(`![${plot}](${plot})`, '');
  };
  section(
    'RPC: rpcnet vs @grpc/grpc-js, lean vs classic QUIC driver, raw QUIC and bare UDP',
    report.suites.rpc,
    rpcSection,
    ['rpc-throughput.svg'],
  );
  section('Failover: kill -9 of a worker under load', report.suites.failover, failoverSection);
  section('Gossip membership (simulated LAN, virtual time)', report.suites.gossip, gossipSection, [
    'gossip-detection.svg',
    'gossip-convergence.svg',
  ]);
  section('Phi accrual detector', report.suites.phi, phiSection);
  section(
    'Worker registry: ns per selectWorker + release',
    report.suites.registry,
    registrySection,
  );
  return `${parts.join('\n').trimEnd()}\n`;
}

/** The SVG plots the report has data for, by file name. */
export function renderPlots(report: BenchReport): Map<string, string> {
  const plots = new Map<string, string>();
  const gossip = report.suites.gossip?.results;
  if (gossip !== undefined && gossip.length > 0) {
    const points = (pick: (r: GossipBenchResult) => number) =>
      gossip.map((r) => ({ x: r.nodes, y: pick(r) / 1000 }));
    plots.set(
      'gossip-detection.svg',
      lineChartSvg({
        title: 'Crash detection vs cluster size (simulated LAN)',
        xLabel: 'cluster size (nodes)',
        yLabel: 'seconds after the crash',
        logX: true,
        series: [
          { name: 'all members: NodeFailed', points: points((r) => r.failureAllMs) },
          { name: 'first member: NodeFailed', points: points((r) => r.failureFirstMs) },
        ],
      }),
    );
    plots.set(
      'gossip-convergence.svg',
      lineChartSvg({
        title: 'Membership convergence vs cluster size (simulated LAN)',
        xLabel: 'cluster size (nodes)',
        yLabel: 'seconds',
        logX: true,
        series: [
          { name: 'cold-start formation', points: points((r) => r.formationMs) },
          { name: 'join seen by all', points: points((r) => r.joinPropagationMs) },
        ],
      }),
    );
  }
  const rpc = report.suites.rpc?.results;
  const throughput = rpc === undefined ? undefined : rpcThroughputPlot(rpc.results);
  if (throughput !== undefined) plots.set('rpc-throughput.svg', throughput);
  return plots;
}

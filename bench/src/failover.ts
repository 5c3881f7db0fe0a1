// Failover measurement with real processes on 127.0.0.1: this process is the director (gossip
// member + WorkerRegistry + ClusterClient under a steady paced load), three workers run as child
// processes (tests/fixtures/cluster/worker-process.mjs). One worker is killed with SIGKILL; we time
// how long until a call that had been sent to it is served by another worker, how long until
// every surviving member (director and the two other workers) has declared it failed, and the p99
// latency of the calls around the kill. Each client setting (variant) runs its own trials: a
// tuned attempt timeout, the default options, and the defaults with hedging.
// Run: pnpm --filter @rpcnet/bench exec tsx src/failover.ts
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createSeededRandom } from '@rpcnet/base';
import { suspicionTimeoutBounds } from '@rpcnet/gossip/protocol';
import {
  Cluster,
  ClusterClient,
  type ClusterClientConfig,
  createDevCertificate,
  type LoadBalancingStrategy,
  localClusterConfig,
  RoundRobin,
  RpcError,
  WorkerRegistry,
} from 'rpcnet';
import { WorkerHandle, type WorkerReady } from '../../tests/fixtures/cluster/worker-handle.js';
import { median } from './statistics.js';

/**
 * The client settings a trial runs with: `tuned` sets `attemptTimeoutMs`; `defaults` sets
 * nothing; `hedging` is the defaults with hedging enabled.
 */
export type FailoverVariant = 'tuned' | 'defaults' | 'hedging';

/** Every variant, in report order. */
export const FAILOVER_VARIANTS: readonly FailoverVariant[] = ['tuned', 'defaults', 'hedging'];

/** Calls started this long before the kill up to {@link KILL_WINDOW_AFTER_MS} after it are "during the kill". */
const KILL_WINDOW_BEFORE_MS = 500;
/** The call deadline: calls started later meet a balancer that has long stopped choosing the victim. */
const KILL_WINDOW_AFTER_MS = 3000;

/** Knobs of {@link runFailoverBench}. */
export interface FailoverBenchOptions {
  /** Independent trials per variant, each with a fresh cluster. Default 5. */
  trials?: number;
  /** The client settings to measure. Default: all of {@link FAILOVER_VARIANTS}. */
  variants?: readonly FailoverVariant[];
  /** Calls per second the director sends through its ClusterClient. Default 200. */
  callsPerSecond?: number;
  /** Load before the kill; a seeded random 0..1 s is added so the kill lands anywhere in a probe period. Default 2000 ms. */
  warmupMs?: number;
  /** Per-call deadline. Default 3000 ms. */
  callTimeoutMs?: number;
  /** Per-attempt timeout of the `tuned` variant (how fast a silent worker is given up). Default 500 ms. */
  attemptTimeoutMs?: number;
  /** Bound on waiting for every member to declare the victim failed. Default 40,000 ms. */
  detectionLimitMs?: number;
  /** Seed of the kill timing. Default 9. */
  seed?: number;
  /** Receives every output line. Default: console.log. */
  print?: (line: string) => void;
}

/** One kill -9 and what followed, times in ms after the kill. */
export interface FailoverTrial {
  readonly trial: number;
  /** The client settings of the trial. */
  readonly variant: FailoverVariant;
  /** Name of the killed worker. */
  readonly victim: string;
  /** First success of a call that had been attempted on the victim. */
  readonly firstFailoverMs: number | undefined;
  /** Last time the director's balancer chose the victim (0 when it never did after the kill). */
  readonly lastRoutedMs: number;
  /** Calls the balancer sent to the victim after the kill. */
  readonly routedAfterKill: number;
  /** First member to suspect the victim. */
  readonly firstSuspectMs: number | undefined;
  /** First member to declare the victim failed. */
  readonly firstFailedMs: number | undefined;
  /** The director's NodeFailed (its registry drops the worker at the same moment). */
  readonly directorFailedMs: number | undefined;
  /** Every surviving member declared the victim failed (the last of them). */
  readonly allFailedMs: number | undefined;
  /** Calls started during the trial (warm-up included) and how they ended. */
  readonly calls: number;
  readonly succeeded: number;
  /** Calls that ended with a typed RpcError, by code. */
  readonly failedByCode: Readonly<Record<string, number>>;
  /** Calls that ended with something other than an RpcError, or never settled. */
  readonly untyped: number;
  /** Longest time a settled call took (compare with the call deadline). */
  readonly slowestCallMs: number;
  /** p99 latency of the calls started from 500 ms before the kill to 3000 ms after it. */
  readonly p99DuringKillMs: number | undefined;
  /** Calls started in that window. */
  readonly callsDuringKill: number;
  /** Hedged attempts (the `hedging` variant). */
  readonly hedges: number;
  readonly retries: number;
  /** Retries the client's retry budget refused (those calls failed with their attempt's error). */
  readonly retriesDenied: number;
  /** Calls per second actually achieved. */
  readonly achievedCallsPerSecond: number;
}

/** Median and maximum of one measure over the trials that produced it. */
export interface FailoverStat {
  readonly medianMs: number | undefined;
  readonly maxMs: number | undefined;
  /** Trials that produced the measure. */
  readonly samples: number;
}

/** The measures of one variant over its trials. */
export interface FailoverVariantResult {
  readonly variant: FailoverVariant;
  readonly trials: number;
  readonly firstFailover: FailoverStat;
  readonly directorFailed: FailoverStat;
  readonly allFailed: FailoverStat;
  readonly lastRouted: FailoverStat;
  /** p99 latency of the calls around the kill (see {@link FailoverTrial.p99DuringKillMs}). */
  readonly p99DuringKill: FailoverStat;
  /** Calls that failed or never settled, over all trials. */
  readonly failedCalls: number;
  readonly calls: number;
}

/** Everything {@link runFailoverBench} measured. */
export interface FailoverBenchResult {
  /** Every trial of every variant, in the order they ran. */
  readonly trials: readonly FailoverTrial[];
  /** Per variant, in {@link FAILOVER_VARIANTS} order. */
  readonly variants: readonly FailoverVariantResult[];
  /** The gossip settings both sides ran with (the `localClusterConfig()` preset) and the suspicion bounds they imply for 4 members. */
  readonly config: {
    readonly probeIntervalMs: number;
    readonly probeTimeoutMs: number;
    readonly suspicionMultiplier: number;
    readonly suspicionMinMs: number;
    readonly suspicionMaxMs: number;
    readonly callsPerSecond: number;
    /** The `tuned` variant's attempt timeout. */
    readonly attemptTimeoutMs: number;
    readonly callTimeoutMs: number;
  };
  readonly loadAverage: readonly number[];
}

const WORKERS = ['worker-1', 'worker-2', 'worker-3'] as const;
const MAX_IN_FLIGHT = 64;
const POLL_MS = 20;

/** Epoch milliseconds with sub-millisecond precision, comparable with the workers' reports. */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves once `condition` holds, polling; rejects after `limitMs`. */
async function waitFor(condition: () => boolean, what: string, limitMs: number): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > limitMs) {
      throw new Error(`failover bench: ${what} did not happen within ${limitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

interface CallRecord {
  readonly startedAt: number;
  endedAt?: number;
  ok?: boolean;
  failedWorkers?: readonly string[];
  errorCode?: string;
}

/** A paced open-loop load: starts calls to keep up with `callsPerSecond`, at most MAX_IN_FLIGHT at once. */
class PacedLoad {
  readonly records: CallRecord[] = [];
  readonly #pending = new Set<Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #startedAt = 0;
  #stoppedAt = 0;

  constructor(
    private readonly client: ClusterClient,
    private readonly callsPerSecond: number,
    private readonly callTimeoutMs: number,
  ) {}

  start(): void {
    this.#running = true;
    this.#startedAt = performance.now();
    this.#loop = this.#run();
  }

  /** Stops starting calls and waits (bounded) for those in flight; returns how many never settled. */
  async stop(settleLimitMs: number): Promise<number> {
    this.#running = false;
    await this.#loop;
    this.#stoppedAt = performance.now();
    const settled = Promise.all(this.#pending).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), settleLimitMs);
    });
    await Promise.race([settled, limit]);
    clearTimeout(timer);
    return this.records.filter((record) => record.endedAt === undefined).length;
  }

  get achievedCallsPerSecond(): number {
    const seconds = (this.#stoppedAt - this.#startedAt) / 1000;
    return seconds > 0 ? this.records.length / seconds : 0;
  }

  async #run(): Promise<void> {
    const payload = new TextEncoder().encode('bench');
    while (this.#running) {
      const due = ((performance.now() - this.#startedAt) / 1000) * this.callsPerSecond;
      while (this.records.length < due && this.#pending.size < MAX_IN_FLIGHT) {
        const record: CallRecord = { startedAt: epochNow() };
        this.records.push(record);
        const call = this.client
          .callWorkerDetailed('compute', payload, 'role=worker', { timeoutMs: this.callTimeoutMs })
          .then(
            (result) => {
              record.ok = true;
              record.failedWorkers = result.failedWorkers;
            },
            (error: unknown) => {
              record.ok = false;
              record.errorCode = error instanceof RpcError ? error.code : 'untyped';
            },
          )
          .finally(() => {
            record.endedAt = epochNow();
            this.#pending.delete(call);
          });
        this.#pending.add(call);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

/** When each member (director or worker name) first reported one event about one node, epoch ms. */
type EventTimes = Map<string, number>;

function stat(values: ReadonlyArray<number | undefined>): FailoverStat {
  const present = values.filter((value): value is number => value !== undefined);
  return {
    medianMs: present.length > 0 ? median(present) : undefined,
    maxMs: present.length > 0 ? Math.max(...present) : undefined,
    samples: present.length,
  };
}

/** The ClusterClient options of a variant (besides `tls`). */
function clientOptions(variant: FailoverVariant, attemptTimeoutMs: number): ClusterClientConfig {
  switch (variant) {
    case 'tuned':
      return { attemptTimeoutMs, maxAttempts: 3 };
    case 'defaults':
      return {};
    case 'hedging':
      return { hedging: { enabled: true } };
  }
}

/** The nearest-rank 99th percentile of `values`; `undefined` when there are none. */
function p99(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

async function runTrial(
  trial: number,
  variant: FailoverVariant,
  options: Required<Omit<FailoverBenchOptions, 'print' | 'trials' | 'seed' | 'variants'>>,
  random: () => number,
): Promise<FailoverTrial> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    // DEVELOPMENT certificate made at run time; the director trusts it as the workers' CA.
    const certificate = createDevCertificate();
    const director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => director.stop());
    const roundRobin = new RoundRobin();
    const picks: Array<{ readonly at: number; readonly id: string }> = [];
    const recording: LoadBalancingStrategy = {
      name: 'recording-round-robin',
      pick(candidates, context) {
        const chosen = roundRobin.pick(candidates, context);
        if (chosen !== undefined) picks.push({ at: epochNow(), id: chosen.id });
        return chosen;
      },
    };
    const registry = new WorkerRegistry(director, recording, { workerFilter: 'role=worker' });
    registry.start();
    cleanups.push(() => registry.stop());
    const client = new ClusterClient(registry, {
      tls: { ca: certificate.certPem },
      ...clientOptions(variant, options.attemptTimeoutMs),
    });
    cleanups.push(() => client.close());

    // Which member (director or worker name) saw which event about which node, first time only.
    const firstSeen = new Map<string, EventTimes>();
    const known = new Map<string, Set<string>>();
    const note = (member: string, eventType: string, nodeId: string, at: number): void => {
      const key = `${eventType}/${nodeId}`;
      const times = firstSeen.get(key) ?? new Map<string, number>();
      if (!times.has(member)) times.set(member, at);
      firstSeen.set(key, times);
      if (eventType === 'NodeJoined') known.get(member)?.add(nodeId);
    };
    known.set('director', new Set());
    director.onEvent((event) => {
      if ('node' in event) note('director', event.type, event.node.id, epochNow());
    });

    const seed = director.localNode().gossipAddress;
    const handles = WORKERS.map((name) => {
      known.set(name, new Set());
      const handle = WorkerHandle.start({
        name,
        seed,
        certPem: certificate.certPem,
        keyPem: certificate.keyPem,
        delayMs: 1,
        reportEvents: true,
      });
      cleanups.push(() => handle.kill());
      handle.onReport((report) => {
        if (report.type === 'members') {
          for (const id of report.ids) known.get(name)?.add(id);
        } else {
          note(name, report.eventType, report.nodeId, report.at);
        }
      });
      return handle;
    });
    const ready: WorkerReady[] = await Promise.all(handles.map((handle) => handle.ready));
    const ids = ready.map((worker) => worker.id);
    await waitFor(() => registry.size === WORKERS.length, 'the director sees 3 workers', 20_000);
    await waitFor(
      () => WORKERS.every((name, i) => ids.every((id, j) => i === j || known.get(name)?.has(id))),
      'every worker knows the others',
      20_000,
    );

    const victimIndex = trial % WORKERS.length;
    const victimId = ids[victimIndex]!;
    const victimName = WORKERS[victimIndex]!;
    const survivors = ['director', ...WORKERS.filter((_, i) => i !== victimIndex)];

    const load = new PacedLoad(client, options.callsPerSecond, options.callTimeoutMs);
    load.start();
    let unsettled = 0;
    let killAt = 0;
    try {
      const warmup = options.warmupMs + Math.floor(random() * 1000);
      await new Promise((resolve) => setTimeout(resolve, warmup));
      killAt = epochNow();
      await handles[victimIndex]!.kill();

      const failedAt = (): EventTimes | undefined => firstSeen.get(`NodeFailed/${victimId}`);
      const failedOver = (): boolean =>
        load.records.some(
          (record) =>
            record.ok && record.failedWorkers?.includes(victimId) && record.startedAt >= killAt,
        );
      await waitFor(
        () => failedOver() && survivors.every((member) => failedAt()?.has(member)),
        'every survivor declares the victim failed',
        options.detectionLimitMs,
      ).catch(() => undefined);
      // Let calls started just before detection finish under the same load.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      unsettled = await load.stop(options.callTimeoutMs + 2000);
    }

    const after = (at: number | undefined): number | undefined =>
      at === undefined ? undefined : at - killAt;
    const timesOf = (eventType: string): number[] =>
      survivors.flatMap((member) => {
        const at = firstSeen.get(`${eventType}/${victimId}`)?.get(member);
        return at === undefined || at < killAt ? [] : [at];
      });
    const failed = timesOf('NodeFailed');
    const suspected = timesOf('NodeSuspected');
    const failovers = load.records.flatMap((record) =>
      record.ok &&
      record.failedWorkers?.includes(victimId) &&
      record.endedAt !== undefined &&
      record.endedAt >= killAt
        ? [record.endedAt]
        : [],
    );
    const victimPicks = picks.filter((pick) => pick.id === victimId && pick.at >= killAt);
    const failedByCode: Record<string, number> = {};
    let untyped = unsettled;
    for (const record of load.records) {
      if (record.ok !== false || record.errorCode === undefined) continue;
      if (record.errorCode === 'untyped') untyped += 1;
      else failedByCode[record.errorCode] = (failedByCode[record.errorCode] ?? 0) + 1;
    }
    const duringKill = load.records.filter(
      (record) =>
        record.startedAt >= killAt - KILL_WINDOW_BEFORE_MS &&
        record.startedAt <= killAt + KILL_WINDOW_AFTER_MS,
    );
    return {
      trial,
      variant,
      victim: victimName,
      firstFailoverMs: after(failovers.length > 0 ? Math.min(...failovers) : undefined),
      lastRoutedMs: victimPicks.length > 0 ? Math.max(...victimPicks.map((p) => p.at)) - killAt : 0,
      routedAfterKill: victimPicks.length,
      firstSuspectMs: after(suspected.length > 0 ? Math.min(...suspected) : undefined),
      firstFailedMs: after(failed.length > 0 ? Math.min(...failed) : undefined),
      directorFailedMs: after(firstSeen.get(`NodeFailed/${victimId}`)?.get('director')),
      allFailedMs: failed.length === survivors.length ? Math.max(...failed) - killAt : undefined,
      calls: load.records.length,
      succeeded: load.records.filter((record) => record.ok === true).length,
      failedByCode,
      untyped,
      slowestCallMs: Math.max(
        0,
        ...load.records.flatMap((record) =>
          record.endedAt === undefined ? [] : [record.endedAt - record.startedAt],
        ),
      ),
      p99DuringKillMs: p99(
        duringKill.map((record) => (record.endedAt ?? Number.POSITIVE_INFINITY) - record.startedAt),
      ),
      callsDuringKill: duringKill.length,
      hedges: client.metrics.hedges,
      retries: client.metrics.retries,
      retriesDenied: client.metrics.retriesDenied,
      achievedCallsPerSecond: load.achievedCallsPerSecond,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Teardown of a half-started trial: the remaining cleanups must still run.
      }
    }
  }
}

const formatMs = (value: number | undefined): string =>
  value === undefined ? 'n/a' : `${Math.round(value)} ms`;

/** Runs the trials (each a fresh director + 3 worker processes), printing one line per trial. */
export async function runFailoverBench(
  options: FailoverBenchOptions = {},
): Promise<FailoverBenchResult> {
  const resolved = {
    callsPerSecond: options.callsPerSecond ?? 200,
    warmupMs: options.warmupMs ?? 2000,
    callTimeoutMs: options.callTimeoutMs ?? 3000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 500,
    detectionLimitMs: options.detectionLimitMs ?? 40_000,
  };
  const trials = options.trials ?? 5;
  const print = options.print ?? ((line: string) => console.log(line));
  const random = createSeededRandom(options.seed ?? 9);
  const preset = localClusterConfig();
  const bounds = suspicionTimeoutBounds(
    WORKERS.length + 1,
    preset.probeIntervalMs,
    preset.suspicionMultiplier,
    preset.suspicionMaxTimeoutMultiplier,
  );
  print(
    `failover: director + ${WORKERS.length} worker processes on 127.0.0.1, localClusterConfig() preset (probe ${preset.probeIntervalMs} ms, timeout ${preset.probeTimeoutMs} ms, suspicion ${bounds.minMs}-${bounds.maxMs} ms), ${resolved.callsPerSecond} calls/s; variants ${(options.variants ?? FAILOVER_VARIANTS).join(', ')} (tuned: attempt timeout ${resolved.attemptTimeoutMs} ms); load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  const variants = options.variants ?? FAILOVER_VARIANTS;
  const results: FailoverTrial[] = [];
  // Variants take turns, so a machine that gets busier later does not favour one of them.
  for (let trial = 0; trial < trials; trial += 1) {
    for (const variant of variants) {
      const result = await runTrial(trial, variant, resolved, random);
      results.push(result);
      const failures = Object.entries(result.failedByCode)
        .map(([code, count]) => `${count} ${code}`)
        .join(', ');
      print(
        `failover ${variant} trial ${trial + 1}/${trials} kill -9 ${result.victim}: first call served elsewhere ${formatMs(result.firstFailoverMs)}, last routed to it ${formatMs(result.lastRoutedMs)} (${result.routedAfterKill} calls), suspected ${formatMs(result.firstSuspectMs)}, director failed ${formatMs(result.directorFailedMs)}, all failed ${formatMs(result.allFailedMs)}; calls ${result.succeeded}/${result.calls} ok${failures ? `, ${failures}` : ''}, ${result.untyped} untyped/unsettled, p99 during the kill ${formatMs(result.p99DuringKillMs)}, slowest ${formatMs(result.slowestCallMs)}, ${result.retries} retries (${result.retriesDenied} denied by the budget), ${result.hedges} hedges, ${Math.round(result.achievedCallsPerSecond)} calls/s`,
      );
    }
  }
  return {
    trials: results,
    variants: variants.map((variant) => {
      const of = results.filter((r) => r.variant === variant);
      return {
        variant,
        trials: of.length,
        firstFailover: stat(of.map((r) => r.firstFailoverMs)),
        directorFailed: stat(of.map((r) => r.directorFailedMs)),
        allFailed: stat(of.map((r) => r.allFailedMs)),
        lastRouted: stat(of.map((r) => r.lastRoutedMs)),
        p99DuringKill: stat(of.map((r) => r.p99DuringKillMs)),
        failedCalls: of.reduce((sum, r) => sum + (r.calls - r.succeeded), 0),
        calls: of.reduce((sum, r) => sum + r.calls, 0),
      };
    }),
    config: {
      probeIntervalMs: preset.probeIntervalMs,
      probeTimeoutMs: preset.probeTimeoutMs,
      suspicionMultiplier: preset.suspicionMultiplier,
      suspicionMinMs: bounds.minMs,
      suspicionMaxMs: bounds.maxMs,
      callsPerSecond: resolved.callsPerSecond,
      attemptTimeoutMs: resolved.attemptTimeoutMs,
      callTimeoutMs: resolved.callTimeoutMs,
    },
    loadAverage: loadavg(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const trials = Number(process.env.FAILOVER_TRIALS ?? 5);
  const result = await runFailoverBench({ trials });
  for (const v of result.variants) {
    console.log(
      `failover ${v.variant}: ${v.failedCalls}/${v.calls} calls failed; p99 during the kill median ${formatMs(v.p99DuringKill.medianMs)} max ${formatMs(v.p99DuringKill.maxMs)}; last routed to the victim median ${formatMs(v.lastRouted.medianMs)}; all members marked failed median ${formatMs(v.allFailed.medianMs)}`,
    );
  }
}

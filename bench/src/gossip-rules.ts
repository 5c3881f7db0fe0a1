// Suspicion rules compared in one run on the gossip simulator: the default `adaptive` rule against
// the `memberlist` preset (memberlist's formula), same seeds, same crashes, same loss.
// Run alone: pnpm --filter @rpcnet/bench exec tsx src/gossip-rules.ts  (GOSSIP_RULE_SIZES=100,1000;
// GOSSIP_RULE_FORMATION_SEEDS=<count> overrides the formation seeds, 0 skips formation)
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { SimulatedCluster } from '@rpcnet/gossip/simulation';
import { EventTally } from './event-tally.js';
import { median, percentile } from './statistics.js';

/** The suspicion rules compared. */
export type SuspicionRuleName = 'adaptive' | 'memberlist';
const RULE_NAMES: readonly SuspicionRuleName[] = ['adaptive', 'memberlist'];

/** What is run for one cluster size. */
export interface RulePlan {
  readonly nodes: number;
  /** Seeds of the crash runs; each forms a cluster and crashes `crashesPerSeed` members in turn. */
  readonly crashSeeds: readonly number[];
  readonly crashesPerSeed: number;
  /** Seeds of the cold-start formation runs (default rule). */
  readonly formationSeeds: readonly number[];
  /** Simulated time at 10% datagram loss, per rule, for the false-failure count. */
  readonly lossWindowMs: number;
}

/** One rule at one size. */
export interface RuleResult {
  readonly rule: SuspicionRuleName;
  /** crash -> every running member emitted NodeFailed, one entry per crash, ms. */
  readonly crashToAllFailedMs: readonly number[];
  readonly medianMs: number;
  readonly p99Ms: number;
  /** NodeFailed about running members during the loss window (summed over observers). */
  readonly falseFailures: number;
  /** NodeSuspected about running members during the loss window (summed over observers). */
  readonly suspicions: number;
  readonly lossNodeHours: number;
}

/** The comparison at one size. */
export interface RuleComparison {
  readonly nodes: number;
  readonly rules: readonly RuleResult[];
  /** Cold-start formation (every member emitted NodeJoined for every other), one per seed, ms. */
  readonly formationMs: readonly number[];
  readonly formationP99Ms: number;
  /** Gossip bytes per member per second over whole push-pull periods, without loss. */
  readonly bytesPerNodePerSecond: number;
  /** The push-pull period the bandwidth was averaged over, ms. */
  readonly bandwidthWindowMs: number;
  /** memberlist's best case from its defaults: see {@link memberlistBestCaseMs}. */
  readonly memberlistBestCaseMs: number;
  readonly wallClockMs: number;
}

/**
 * memberlist's best-case crash detection from its LAN defaults: the suspicion timeout's floor
 * `4 * max(1, log10 n) * 1 s`, plus SWIM's expected time to the first failed probe of a crashed
 * member (`1 / (1 - 1/e)` = 1.58 periods) and the 0.5 s probe timeout.
 */
export function memberlistBestCaseMs(nodes: number): number {
  return 4 * Math.max(1, Math.log10(nodes)) * 1000 + 1582 + 500;
}

/**
 * Heap one member record costs the simulator, measured after formation (shared records, per-table
 * indexes, event logs; this bench's event tally adds more). A full-membership simulation holds n^2
 * of them in one process.
 */
const SIMULATED_BYTES_PER_RECORD = 300;

const HOUR_MS = 3_600_000;
/** Push-pull period of the LAN preset, scaled as the protocol scales it above 32 members. */
export function pushPullPeriodMs(nodes: number): number {
  const factor = nodes <= 32 ? 1 : Math.ceil(Math.log2(nodes) - Math.log2(32)) + 1;
  return 30_000 * factor;
}

/**
 * The plans: 100 nodes by default; 1,000 and 10,000 on request (`GOSSIP_RULE_SIZES`). 10,000 is
 * refused unless the heap can hold n^2 records (about 30 GB; see gossip-large.ts for a leaner 10,000-node run).
 */
export const RULE_PLANS: readonly RulePlan[] = [
  {
    nodes: 100,
    crashSeeds: [1, 2, 3, 4, 5],
    crashesPerSeed: 4,
    formationSeeds: Array.from({ length: 20 }, (_, i) => 101 + i),
    // 100 members x 1.05 h: at least 100 node-hours per rule.
    lossWindowMs: 1.05 * HOUR_MS,
  },
  {
    nodes: 1000,
    crashSeeds: [1, 2],
    crashesPerSeed: 5,
    formationSeeds: Array.from({ length: 20 }, (_, i) => 101 + i),
    // 1,000 members x 75 s: at least 20 node-hours per rule.
    lossWindowMs: 75_000,
  },
  {
    // Formation, one crash and bandwidth only; refused up front where the heap cannot hold it.
    nodes: 10_000,
    crashSeeds: [1],
    crashesPerSeed: 1,
    formationSeeds: [101],
    lossWindowMs: 0,
  },
];

/** A cluster of `nodes` members that all join through the first at t=0; returns it formed. */
function formCluster(
  nodes: number,
  seed: number,
  rule: SuspicionRuleName,
): { cluster: SimulatedCluster; tally: EventTally; formationMs: number } {
  const cluster = new SimulatedCluster({
    seed,
    delayMs: 1,
    jitterMs: 2,
    config: { suspicionRule: rule },
  });
  const tally = new EventTally();
  const members = cluster.addNodes(nodes);
  for (const member of members) {
    member.protocol.onEvent((event) => tally.record(member.id, event));
  }
  const formed = cluster.clock.runUntil(
    () => members.every((member) => tally.observers('NodeJoined', member.id) >= nodes - 1),
    { timeoutMs: 600_000, stepMs: 50 },
  );
  if (!formed) throw new Error(`gossip rules: ${nodes} nodes (seed ${seed}) did not form`);
  return { cluster, tally, formationMs: cluster.clock.now() };
}

/** Crashes `count` random members one after another; crash -> all NodeFailed for each. */
function crashTimes(
  cluster: SimulatedCluster,
  tally: EventTally,
  count: number,
  report: (message: string) => void,
): number[] {
  const times: number[] = [];
  cluster.clock.advance(10_000);
  for (let i = 0; i < count; i++) {
    const running = cluster.running();
    const victim = running[1 + Math.floor(cluster.random() * (running.length - 1))]!;
    cluster.crash(victim.id);
    const start = cluster.clock.now();
    const seen = cluster.clock.runUntil(
      () => tally.observers('NodeFailed', victim.id) >= running.length - 1,
      { timeoutMs: 120_000, stepMs: 10 },
    );
    if (!seen) throw new Error('gossip rules: a crash was not detected by all within 120 s');
    times.push(cluster.clock.now() - start);
    report(`crash ${i + 1}/${count}: all NodeFailed after ${cluster.clock.now() - start} ms`);
    // Let the death settle before the next crash, as separate incidents.
    cluster.clock.advance(5_000);
  }
  return times;
}

function progress(nodes: number, wallStart: number, message: string): void {
  const elapsed = ((performance.now() - wallStart) / 1000).toFixed(1);
  console.error(`[gossip rules n=${nodes} +${elapsed}s] ${message}`);
}

/** Runs one size: formation over seeds, then per rule crashes and a loss window, and bandwidth. */
export function compareRules(plan: RulePlan): RuleComparison {
  const neededBytes = plan.nodes * plan.nodes * SIMULATED_BYTES_PER_RECORD;
  const heapLimit = getHeapStatistics().heap_size_limit;
  if (neededBytes > heapLimit) {
    throw new Error(
      `gossip rules: ${plan.nodes} nodes need about ${(neededBytes / 1e9).toFixed(0)} GB of heap (n^2 member records at ~${SIMULATED_BYTES_PER_RECORD} B each), more than this process's ${(heapLimit / 1e9).toFixed(1)} GB limit`,
    );
  }
  const wallStart = performance.now();
  const formationMs: number[] = [];
  for (const seed of plan.formationSeeds) {
    const { cluster, formationMs: ms } = formCluster(plan.nodes, seed, 'adaptive');
    formationMs.push(ms);
    for (const node of cluster.running()) cluster.crash(node.id);
    progress(plan.nodes, wallStart, `formation seed ${seed}: ${ms} ms`);
  }
  if (formationMs.length > 0) {
    progress(plan.nodes, wallStart, `formation p99 ${percentile(formationMs, 99)} ms`);
  }

  let bytesPerNodePerSecond = 0;
  const bandwidthWindowMs = pushPullPeriodMs(plan.nodes);
  const rules: RuleResult[] = [];
  // The largest plans run the default rule only (one formation costs minutes there).
  const compared = plan.lossWindowMs === 0 ? (['adaptive'] as const) : RULE_NAMES;
  for (const rule of compared) {
    const times: number[] = [];
    let falseFailures = 0;
    let suspicions = 0;
    let lossNodeHours = 0;
    plan.crashSeeds.forEach((seed, index) => {
      const { cluster, tally } = formCluster(plan.nodes, seed, rule);
      times.push(
        ...crashTimes(cluster, tally, plan.crashesPerSeed, (message) =>
          progress(plan.nodes, wallStart, `${rule} seed ${seed} ${message}`),
        ),
      );
      if (index === 0) {
        if (rule === 'adaptive') {
          // Whole push-pull periods after formation settled, no loss.
          cluster.clock.advance(bandwidthWindowMs);
          const before = cluster.network.stats().bytesSent;
          cluster.clock.advance(bandwidthWindowMs);
          const sent = cluster.network.stats().bytesSent - before;
          const members = cluster.running().length;
          bytesPerNodePerSecond = sent / members / (bandwidthWindowMs / 1000);
          progress(
            plan.nodes,
            wallStart,
            `${Math.round(bytesPerNodePerSecond)} B/node/s over ${bandwidthWindowMs} ms (${members} members)`,
          );
        }
        if (plan.lossWindowMs === 0) return;
        cluster.network.setLossRate(0.1);
        const failedBefore = tally.count('NodeFailed');
        const suspectedBefore = tally.count('NodeSuspected');
        // In slices, so a long run shows how far it got.
        const slices = 5;
        for (let slice = 1; slice <= slices; slice++) {
          cluster.clock.advance(plan.lossWindowMs / slices);
          progress(
            plan.nodes,
            wallStart,
            `${rule} 10% loss ${slice}/${slices}: ${tally.count('NodeFailed') - failedBefore} false NodeFailed, ${tally.count('NodeSuspected') - suspectedBefore} suspicions`,
          );
        }
        falseFailures = tally.count('NodeFailed') - failedBefore;
        suspicions = tally.count('NodeSuspected') - suspectedBefore;
        lossNodeHours = (cluster.running().length * plan.lossWindowMs) / HOUR_MS;
      }
      for (const node of cluster.running()) cluster.crash(node.id);
    });
    rules.push({
      rule,
      crashToAllFailedMs: times,
      medianMs: median(times),
      p99Ms: percentile(times, 99),
      falseFailures,
      suspicions,
      lossNodeHours,
    });
    progress(
      plan.nodes,
      wallStart,
      `${rule}: crash -> all NodeFailed median ${median(times)} ms, p99 ${percentile(times, 99)} ms; ${falseFailures} false / ${lossNodeHours.toFixed(1)} node-hours at 10% loss (${suspicions} suspicions)`,
    );
  }
  return {
    nodes: plan.nodes,
    rules,
    formationMs,
    formationP99Ms: formationMs.length === 0 ? Number.NaN : percentile(formationMs, 99),
    bytesPerNodePerSecond,
    bandwidthWindowMs,
    memberlistBestCaseMs: memberlistBestCaseMs(plan.nodes),
    wallClockMs: performance.now() - wallStart,
  };
}

/** Sizes to compare: `GOSSIP_RULE_SIZES` (comma-separated) or `defaultSizes`. */
export function selectedRulePlans(defaultSizes: readonly number[] = [100]): RulePlan[] {
  const wanted = process.env.GOSSIP_RULE_SIZES?.split(',').map(Number) ?? defaultSizes;
  const formationSeedCount = process.env.GOSSIP_RULE_FORMATION_SEEDS;
  return RULE_PLANS.filter((plan) => wanted.includes(plan.nodes)).map((plan) =>
    formationSeedCount === undefined
      ? plan
      : {
          ...plan,
          formationSeeds: Array.from({ length: Number(formationSeedCount) }, (_, i) => 101 + i),
        },
  );
}

/** Prints the comparison as a table. */
export function printRuleComparison(results: readonly RuleComparison[]): void {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log('suspicion rules, simulated LAN (1-3 ms one-way), same seeds and crashes');
  console.table(
    results.flatMap((row) =>
      row.rules.map((rule) => ({
        nodes: row.nodes,
        rule: rule.rule,
        crashes: rule.crashToAllFailedMs.length,
        'crash -> all NodeFailed median': s(rule.medianMs),
        p99: s(rule.p99Ms),
        'memberlist best case (formula)': s(row.memberlistBestCaseMs),
        '10% loss: false NodeFailed / node-hours (suspicions)': `${rule.falseFailures} / ${rule.lossNodeHours.toFixed(1)} (${rule.suspicions})`,
      })),
    ),
  );
  console.table(
    results.map((row) => ({
      nodes: row.nodes,
      'formation p99':
        row.formationMs.length === 0
          ? '-'
          : `${s(row.formationP99Ms)} (${row.formationMs.length} seeds)`,
      'KB/node/s over push-pull periods': (row.bytesPerNodePerSecond / 1000).toFixed(2),
      'wall time': s(row.wallClockMs),
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = selectedRulePlans().map(compareRules);
  printRuleComparison(results);
}

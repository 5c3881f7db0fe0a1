// Gossip membership benchmark on the deterministic simulator of @rpcnet/gossip (virtual time,
// seeded loss): join propagation, crash detection, false failures under loss, bandwidth.
// Run: pnpm --filter @rpcnet/bench exec tsx src/gossip.ts  (GOSSIP_BENCH_SIZES=10,100 to pick n)
import { pathToFileURL } from 'node:url';
import { SimulatedCluster, type SimulatedNode } from '@rpcnet/gossip/simulation';
import { EventTally } from './event-tally.js';
import type { RuleComparison } from './gossip-rules.js';

/** False failures observed at one loss rate. */
export interface FalsePositiveResult {
  /** Datagram loss probability, 0..1. */
  readonly lossRate: number;
  /** Virtual time simulated at this loss rate. */
  readonly simulatedMs: number;
  /** NodeFailed events about members that were in fact running, summed over all observers. */
  readonly falseFailures: number;
  /** NodeSuspected events about running members (suspicions, refuted or not). */
  readonly suspicions: number;
  /** falseFailures / (members * simulated hours). */
  readonly perNodeHour: number;
}

/** One row of the gossip benchmark: a cluster of `nodes` members on the simulated LAN. */
export interface GossipBenchResult {
  readonly nodes: number;
  /** Virtual ms for all n members to reach each other from a cold start (all join one seed). */
  readonly formationMs: number;
  /** Virtual ms from a new node's join until every member emitted NodeJoined for it. */
  readonly joinPropagationMs: number;
  /** Virtual ms from a crash until the first member emitted NodeFailed. */
  readonly failureFirstMs: number;
  /** Virtual ms from a crash until every running member emitted NodeFailed. */
  readonly failureAllMs: number;
  /** Gossip bytes sent per member per second in steady state without loss (UDP payload). */
  readonly bytesPerNodePerSecond: number;
  /** Datagrams sent per member per second in steady state without loss. */
  readonly datagramsPerNodePerSecond: number;
  readonly falsePositives: readonly FalsePositiveResult[];
  /** Real time the row took to simulate. */
  readonly wallClockMs: number;
  /** The suspicion rules compared at this size, when that ran (see gossip-rules.ts). */
  readonly rules?: RuleComparison;
}

/** How long each size is simulated; larger clusters get shorter loss windows to fit minutes. */
export interface SizePlan {
  readonly nodes: number;
  /** Virtual time per loss rate for the false-positive measurement. */
  readonly lossWindowMs: number;
  /** Virtual time of the steady-state bandwidth window. */
  readonly steadyWindowMs: number;
}

const PLANS: readonly SizePlan[] = [
  { nodes: 10, lossWindowMs: 3_600_000, steadyWindowMs: 60_000 },
  { nodes: 100, lossWindowMs: 600_000, steadyWindowMs: 60_000 },
  // One whole push-pull period (180 s at 1,000 members): a shorter window over- or undercounts
  // the periodic exchanges.
  { nodes: 1000, lossWindowMs: 20_000, steadyWindowMs: 180_000 },
  // Opt-in only (GOSSIP_BENCH_SIZES=5000): forming 5,000 nodes takes far more than a few minutes.
  { nodes: 5000, lossWindowMs: 10_000, steadyWindowMs: 5_000 },
];
const DEFAULT_SIZES = [10, 100, 1000];
const LOSS_RATES = [0, 0.05, 0.1] as const;
const HOUR_MS = 3_600_000;

function watch(node: SimulatedNode, tally: EventTally): void {
  node.protocol.onEvent((event) => tally.record(node.id, event));
}

/** Virtual ms until `condition` holds, checked every `stepMs`; throws after `limitMs`. */
function timeUntil(
  cluster: SimulatedCluster,
  condition: () => boolean,
  what: string,
  limitMs = 600_000,
  stepMs = 10,
): number {
  const start = cluster.clock.now();
  if (!cluster.clock.runUntil(condition, { timeoutMs: limitMs, stepMs })) {
    throw new Error(`gossip bench: ${what} did not happen within ${limitMs} ms of virtual time`);
  }
  return cluster.clock.now() - start;
}

/** Progress on stderr, so the table on stdout stays clean. */
function progress(nodes: number, wallStart: number, message: string): void {
  const elapsed = ((performance.now() - wallStart) / 1000).toFixed(1);
  console.error(`[gossip bench n=${nodes} +${elapsed}s] ${message}`);
}

/** Runs one cluster size through every measurement. */
export function benchClusterSize(plan: SizePlan, seed = 42): GossipBenchResult {
  const wallStart = performance.now();
  const cluster = new SimulatedCluster({ seed, delayMs: 1, jitterMs: 2 });
  const tally = new EventTally();
  const n = plan.nodes;

  // Formation: every node joins through the first one at t=0.
  const nodes = cluster.addNodes(n);
  for (const node of nodes) watch(node, tally);
  const fullyJoined = (): boolean =>
    nodes.every((node) => tally.observers('NodeJoined', node.id) >= n - 1);
  const formationMs = timeUntil(cluster, fullyJoined, `formation of ${n} nodes`, 600_000, 100);
  progress(n, wallStart, `formed in ${formationMs} ms`);

  // Steady state without loss: bandwidth.
  cluster.clock.advance(5_000);
  const before = cluster.network.stats();
  cluster.clock.advance(plan.steadyWindowMs);
  const after = cluster.network.stats();
  const seconds = plan.steadyWindowMs / 1000;
  const bytesPerNodePerSecond = (after.bytesSent - before.bytesSent) / n / seconds;
  const datagramsPerNodePerSecond = (after.sent - before.sent) / n / seconds;

  progress(n, wallStart, `steady state: ${Math.round(bytesPerNodePerSecond)} B/node/s`);

  // Join propagation: one more node joins through a random member.
  const seedNode = nodes[Math.floor(cluster.random() * n)]!;
  const newcomer = cluster.addNode();
  watch(newcomer, tally);
  newcomer.protocol.join([seedNode.address]).catch(() => {});
  const joinPropagationMs = timeUntil(
    cluster,
    () => tally.observers('NodeJoined', newcomer.id) >= n,
    'join propagation',
  );

  // Crash detection: a random member other than the newcomer dies silently.
  cluster.clock.advance(5_000);
  const victim = nodes[1 + Math.floor(cluster.random() * (n - 1))]!;
  cluster.crash(victim.id);
  const survivors = n; // n - 1 original members + the newcomer
  const failureFirstMs = timeUntil(
    cluster,
    () => tally.observers('NodeFailed', victim.id) >= 1,
    'first failure detection',
  );
  const failureAllMs =
    failureFirstMs +
    timeUntil(
      cluster,
      () => tally.observers('NodeFailed', victim.id) >= survivors,
      'failure detection by all',
    );
  progress(n, wallStart, `crash seen by all after ${failureAllMs} ms`);
  cluster.clock.advance(10_000);

  // False positives: the remaining members are all healthy; any NodeFailed about them is false.
  const falsePositives: FalsePositiveResult[] = [];
  for (const lossRate of LOSS_RATES) {
    cluster.network.setLossRate(lossRate);
    const failedBefore = tally.count('NodeFailed');
    const suspectedBefore = tally.count('NodeSuspected');
    cluster.clock.advance(plan.lossWindowMs);
    const falseFailures = tally.count('NodeFailed') - failedBefore;
    falsePositives.push({
      lossRate,
      simulatedMs: plan.lossWindowMs,
      falseFailures,
      suspicions: tally.count('NodeSuspected') - suspectedBefore,
      perNodeHour: falseFailures / ((survivors * plan.lossWindowMs) / HOUR_MS),
    });
    progress(n, wallStart, `${lossRate * 100}% loss: ${falseFailures} false failures`);
  }
  cluster.network.setLossRate(0);
  for (const node of cluster.running()) cluster.crash(node.id);

  return {
    nodes: n,
    formationMs,
    joinPropagationMs,
    failureFirstMs,
    failureAllMs,
    bytesPerNodePerSecond,
    datagramsPerNodePerSecond,
    falsePositives,
    wallClockMs: performance.now() - wallStart,
  };
}

/** Sizes to run: `GOSSIP_BENCH_SIZES` (comma-separated, from 10/100/1000/5000) or 10, 100, 1,000. */
function selectedPlans(): SizePlan[] {
  const wanted = process.env.GOSSIP_BENCH_SIZES?.split(',').map(Number) ?? DEFAULT_SIZES;
  return PLANS.filter((plan) => wanted.includes(plan.nodes));
}

/** Runs every selected cluster size and prints a table. */
export async function runGossipBench(): Promise<GossipBenchResult[]> {
  const results: GossipBenchResult[] = [];
  for (const plan of selectedPlans()) {
    results.push(benchClusterSize(plan));
    // Yield between sizes so a caller's timers and I/O are not starved.
    await new Promise((resolve) => setImmediate(resolve));
  }
  printTable(results);
  return results;
}

function printTable(results: readonly GossipBenchResult[]): void {
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    'gossip membership, simulated LAN (lanClusterConfig() preset, 1-3 ms one-way delay, virtual time)',
  );
  console.table(
    results.map((row) => ({
      nodes: row.nodes,
      formation: seconds(row.formationMs),
      'join -> all': seconds(row.joinPropagationMs),
      'crash -> 1st NodeFailed': seconds(row.failureFirstMs),
      'crash -> all NodeFailed': seconds(row.failureAllMs),
      'bytes/node/s': Math.round(row.bytesPerNodePerSecond),
      'datagrams/node/s': Number(row.datagramsPerNodePerSecond.toFixed(2)),
      'wall time': seconds(row.wallClockMs),
    })),
  );
  console.log(
    'false NodeFailed per node-hour (failures / simulated node-hours; suspicions raised)',
  );
  console.table(
    results.map((row) =>
      Object.fromEntries([
        ['nodes', row.nodes],
        ...row.falsePositives.map((fp) => [
          `${Math.round(fp.lossRate * 100)}% loss`,
          `${fp.perNodeHour.toFixed(3)} (${fp.falseFailures} / ${((row.nodes * fp.simulatedMs) / HOUR_MS).toFixed(1)}; ${fp.suspicions} susp.)`,
        ]),
      ]),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runGossipBench();
}

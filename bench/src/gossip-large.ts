// A large cluster on the gossip simulator, not part of `pnpm bench`: cold-start formation, one
// crash until every member's NodeFailed, bandwidth over a 10 s window and over a whole push-pull
// period (GOSSIP_LARGE_PERIOD=0 skips the latter), with the wall time, CPU and memory.
// Run: GOSSIP_LARGE_NODES=10000 node --max-old-space-size=20000 --expose-gc --import tsx \
//   src/gossip-large.ts (from bench/; default 2,000 nodes; GOSSIP_LARGE_SEED picks the seed,
//   default 101). With --expose-gc the heap is read after a full collection (what stays held).
import { pathToFileURL } from 'node:url';
import { SimulatedCluster } from '@rpcnet/gossip/simulation';
import { pushPullPeriodMs } from './gossip-rules.js';

/** What one large run measured. */
export interface LargeClusterResult {
  readonly nodes: number;
  /** Virtual ms until every member emitted NodeJoined for every other. */
  readonly formationMs: number;
  /** Virtual ms from a crash to the first and to every running member's NodeFailed. */
  readonly failureFirstMs: number;
  readonly failureAllMs: number;
  /**
   * Gossip bytes per member per second over one whole push-pull period after the crash (each
   * member's periodic digest exchange once), without loss; undefined when skipped.
   */
  readonly periodBytesPerNodePerSecond: number | undefined;
  readonly pushPullPeriodMs: number;
  /** Gossip bytes per member per second over the bandwidth window, without loss. */
  readonly bytesPerNodePerSecond: number;
  readonly bandwidthWindowMs: number;
  /**
   * Memory held after formation: the JS heap used plus array buffers (member tables keep their
   * numbers in typed arrays, outside the heap), and per member record held (n^2 of them).
   */
  readonly heapBytes: number;
  readonly heapBytesPerRecord: number;
  /** True when the heap was read after a full collection (`--expose-gc`). */
  readonly heapCollected: boolean;
  /** Wall and CPU time until every NodeFailed (formation, window and crash). */
  readonly wallClockMs: number;
  /** CPU time of the process (user + system): the cost of the run on a shared machine. */
  readonly cpuMs: number;
  /** Wall and CPU time of the whole run, the push-pull period included. */
  readonly totalWallClockMs: number;
  readonly totalCpuMs: number;
}

/** CPU ms (user + system) since `start`. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The JS heap used plus array buffers (typed arrays' memory lives outside the heap). */
function heldBytes(): number {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

function progress(nodes: number, wallStart: number, cpuStart: NodeJS.CpuUsage, message: string) {
  const elapsed = ((performance.now() - wallStart) / 1000).toFixed(1);
  const cpu = (cpuSince(cpuStart) / 1000).toFixed(1);
  console.error(`[gossip large n=${nodes} +${elapsed}s wall, ${cpu}s cpu] ${message}`);
}

/** Forms `nodes` members (all joining one seed at t=0), crashes one, and measures bandwidth. */
export function benchLargeCluster(
  nodes: number,
  seed = 101,
  measurePeriod = true,
): LargeClusterResult {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  // Per-node event logs would hold n^2 events: count what is needed instead. Datagrams carry
  // zeros of their wire length: the network counts bytes, nothing reads them.
  const cluster = new SimulatedCluster({
    seed,
    delayMs: 1,
    jitterMs: 2,
    recordEvents: false,
    wireBytes: false,
  });
  const members = cluster.addNodes(nodes);
  // Per member, how many members emitted NodeJoined / NodeFailed for it: n^2 events, so one
  // lookup and a typed-array cell each.
  const indexOf = new Map(members.map((member, index) => [member.id, index]));
  const joinedBy = new Int32Array(nodes);
  const failedBy = new Int32Array(nodes);
  let joins = 0;
  for (const member of members) {
    member.protocol.onEvent((event) => {
      if (event.type === 'NodeJoined') {
        joinedBy[indexOf.get(event.node.id)!]!++;
        joins++;
      } else if (event.type === 'NodeFailed') failedBy[indexOf.get(event.node.id)!]!++;
    });
  }
  const run = (condition: () => boolean, what: string, limitMs: number, stepMs: number): number => {
    const start = cluster.clock.now();
    if (!cluster.clock.runUntil(condition, { timeoutMs: limitMs, stepMs })) {
      throw new Error(`gossip large: ${what} did not happen within ${limitMs} ms of virtual time`);
    }
    return cluster.clock.now() - start;
  };
  // A long formation reports how far it got every half second of virtual time.
  let reportAt = 500;
  const formationMs = run(
    () => {
      const now = cluster.clock.now();
      if (now >= reportAt) {
        reportAt = now + 500;
        const known = ((100 * joins) / (nodes * (nodes - 1))).toFixed(2);
        const heap = (heldBytes() / 1e9).toFixed(2);
        progress(
          nodes,
          wallStart,
          cpuStart,
          `t=${now} ms: ${known}% of members known, heap ${heap} GB`,
        );
      }
      return joinedBy.every((count) => count >= nodes - 1);
    },
    'formation',
    600_000,
    100,
  );
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const heapBytes = heldBytes();
  progress(
    nodes,
    wallStart,
    cpuStart,
    `formed in ${formationMs} ms, heap ${(heapBytes / 1e9).toFixed(2)} GB`,
  );

  // Bandwidth over a window after formation settled (probes, gossip, digests; no loss).
  const bandwidthWindowMs = 10_000;
  cluster.clock.advance(5_000);
  const before = cluster.network.stats().bytesSent;
  cluster.clock.advance(bandwidthWindowMs);
  const bytesPerNodePerSecond =
    (cluster.network.stats().bytesSent - before) / nodes / (bandwidthWindowMs / 1000);
  progress(nodes, wallStart, cpuStart, `${Math.round(bytesPerNodePerSecond)} B/node/s`);

  const victimIndex = 1 + Math.floor(cluster.random() * (nodes - 1));
  const victim = members[victimIndex]!;
  cluster.crash(victim.id);
  const failureFirstMs = run(() => failedBy[victimIndex]! >= 1, 'first NodeFailed', 120_000, 10);
  const failureAllMs =
    failureFirstMs +
    run(() => failedBy[victimIndex]! >= nodes - 1, 'NodeFailed everywhere', 120_000, 10);
  progress(nodes, wallStart, cpuStart, `crash seen by all after ${failureAllMs} ms`);
  const wallClockMs = performance.now() - wallStart;
  const cpuMs = cpuSince(cpuStart);

  // A member's first periodic exchange comes at a random time within the unscaled interval, the
  // next ones a whole (scaled) period apart: a window of one period that starts after the first
  // round holds exactly one exchange per member, where the 10 s window above catches part of the
  // first round. GOSSIP_LARGE_PERIOD=0 skips it.
  const periodMs = pushPullPeriodMs(nodes);
  let periodBytesPerNodePerSecond: number | undefined;
  if (measurePeriod) {
    const firstRoundEnds = cluster.config.pushPullIntervalMs;
    if (cluster.clock.now() < firstRoundEnds)
      cluster.clock.advance(firstRoundEnds - cluster.clock.now());
    const start = cluster.network.stats().bytesSent;
    cluster.clock.advance(periodMs);
    const running = cluster.running().length;
    periodBytesPerNodePerSecond =
      (cluster.network.stats().bytesSent - start) / running / (periodMs / 1000);
    progress(
      nodes,
      wallStart,
      cpuStart,
      `${Math.round(periodBytesPerNodePerSecond)} B/node/s over a push-pull period of ${periodMs} ms`,
    );
  }
  for (const node of cluster.running()) cluster.crash(node.id);
  return {
    nodes,
    formationMs,
    failureFirstMs,
    failureAllMs,
    bytesPerNodePerSecond,
    bandwidthWindowMs,
    periodBytesPerNodePerSecond,
    pushPullPeriodMs: periodMs,
    heapBytes,
    heapBytesPerRecord: heapBytes / (nodes * nodes),
    heapCollected: collect !== undefined,
    wallClockMs,
    cpuMs,
    totalWallClockMs: performance.now() - wallStart,
    totalCpuMs: cpuSince(cpuStart),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const nodes = Number(process.env.GOSSIP_LARGE_NODES ?? 2000);
  const result = benchLargeCluster(
    nodes,
    Number(process.env.GOSSIP_LARGE_SEED ?? 101),
    process.env.GOSSIP_LARGE_PERIOD !== '0',
  );
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log('large cluster, simulated LAN (1-3 ms one-way), virtual time');
  console.table([
    {
      nodes: result.nodes,
      formation: s(result.formationMs),
      'crash -> 1st NodeFailed': s(result.failureFirstMs),
      'crash -> all NodeFailed': s(result.failureAllMs),
      'bytes/node/s (10 s window)': Math.round(result.bytesPerNodePerSecond),
      'bytes/node/s (push-pull period)':
        result.periodBytesPerNodePerSecond === undefined
          ? 'skipped'
          : `${Math.round(result.periodBytesPerNodePerSecond)} over ${s(result.pushPullPeriodMs)}`,
      'heap + array buffers after formation': `${(result.heapBytes / 1e9).toFixed(2)} GB (${Math.round(result.heapBytesPerRecord)} B/record${result.heapCollected ? ', after gc' : ''})`,
      'wall time': s(result.wallClockMs),
      'cpu time': s(result.cpuMs),
      'total wall / cpu': `${s(result.totalWallClockMs)} / ${s(result.totalCpuMs)}`,
    },
  ]);
}

import type {
  ClusterClientMetrics,
  ConnectionPoolStats,
  PooledConnectionStats,
} from '@rpcnet/cluster-client';
import type { GossipMetricsSnapshot } from '@rpcnet/gossip';
import type { WorkerSelectionStats } from '@rpcnet/registry';
import type { Registry } from 'prom-client';
import {
  type Samples,
  scrapeTimeCounter,
  scrapeTimeGauge,
  whenReadable,
} from './scrape-time-metric.js';

/** What the gossip collectors read: a started `Cluster` from `@rpcnet/gossip` fits. */
export interface GossipSource {
  metrics(): GossipMetricsSnapshot;
  members(): ReadonlyArray<{ readonly id: string }>;
  phi(id: string): number | undefined;
}

/** What the registry collector reads: a `WorkerRegistry` from `@rpcnet/registry` fits. */
export interface WorkerListSource {
  workers(): ReadonlyArray<{ readonly state: string }>;
  /** Selections by outcome; `registry_selections_total` is left out without it. */
  selectionStats?(): WorkerSelectionStats;
}

/** What the cluster-client collectors read: a `ClusterClient` fits. */
export interface ClusterClientSource {
  readonly metrics: ClusterClientMetrics;
  /** Its connection pool; the `cluster_client_pool_*` instruments are left out without it. */
  readonly pool?: {
    readonly stats: ConnectionPoolStats;
    connectionStats(): readonly PooledConnectionStats[];
  };
}

const one = (value: number): Samples => [[{}, value]];

/** Registers the gossip instruments (`<prefix>gossip_*`), read from `cluster` on each scrape. */
export function registerGossipCollectors(
  registry: Registry,
  prefix: string,
  cluster: GossipSource,
): void {
  const name = `${prefix}gossip_`;
  const snapshot = () => cluster.metrics();
  const counter = (suffix: string, help: string, pick: (m: GossipMetricsSnapshot) => number) =>
    scrapeTimeCounter({
      registry,
      name: `${name}${suffix}`,
      help,
      read: whenReadable(snapshot, (m) => one(pick(m))),
    });
  scrapeTimeGauge({
    registry,
    name: `${name}members`,
    help: 'Known members by state (alive, suspect, dead, left), the local node included.',
    labelNames: ['state'],
    read: whenReadable(snapshot, (m) =>
      Object.entries(m.members).map(([state, count]) => [{ state }, count] as const),
    ),
  });
  counter('probes_sent_total', 'Direct probes sent.', (m) => m.probesSent);
  counter('probes_acked_total', 'Probes answered, directly or indirectly.', (m) => m.probesAcked);
  counter('probes_failed_total', 'Probes that got no answer.', (m) => m.probesFailed);
  counter('suspicions_total', 'Suspicions this node raised.', (m) => m.suspicionsRaised);
  counter('refutations_total', 'Suspicions of others refuted.', (m) => m.suspicionsRefuted);
  counter(
    'self_refutations_total',
    'Times this node refuted its own suspicion or death.',
    (m) => m.selfRefutations,
  );
  scrapeTimeGauge({
    registry,
    name: `${name}local_health`,
    help: 'Lifeguard local health score (0 = healthy; higher = this node is slow to process).',
    read: whenReadable(snapshot, (m) => one(m.awareness)),
  });
  scrapeTimeGauge({
    registry,
    name: `${name}probe_rtt_seconds`,
    help: 'Direct probe round-trip time over the last 256 acks, by statistic (min, mean, p50, p99, max).',
    labelNames: ['stat'],
    read: whenReadable(snapshot, (m) => {
      const rtt = m.probeRtt;
      if (rtt.count === 0) return [];
      const stats = {
        min: rtt.minMs,
        mean: rtt.meanMs,
        p50: rtt.p50Ms,
        p99: rtt.p99Ms,
        max: rtt.maxMs,
      };
      return Object.entries(stats).map(([stat, ms]) => [{ stat }, ms / 1000] as const);
    }),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}bytes_total`,
    help: 'Gossip datagram bytes, by direction (in, out).',
    labelNames: ['direction'],
    read: whenReadable(snapshot, (m) => [
      [{ direction: 'in' }, m.bytesIn],
      [{ direction: 'out' }, m.bytesOut],
    ]),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}messages_total`,
    help: 'Gossip protocol messages, by direction (in, out).',
    labelNames: ['direction'],
    read: whenReadable(snapshot, (m) => [
      [{ direction: 'in' }, m.messagesIn],
      [{ direction: 'out' }, m.messagesOut],
    ]),
  });
  scrapeTimeCounter({
    registry,
    name: `${name}drops_total`,
    help: 'Datagrams or messages dropped, by reason.',
    labelNames: ['reason'],
    read: whenReadable(snapshot, (m) =>
      Object.entries(m.drops).map(([reason, count]) => [{ reason }, count] as const),
    ),
  });
  scrapeTimeGauge({
    registry,
    name: `${name}member_phi`,
    help: 'Phi (suspicion level) of each member failure detector that has samples.',
    labelNames: ['member'],
    read: whenReadable(
      () => cluster.members(),
      (members) => {
        const samples: Array<readonly [Record<string, string>, number]> = [];
        for (const { id } of members) {
          const phi = cluster.phi(id);
          if (phi !== undefined && Number.isFinite(phi)) samples.push([{ member: id }, phi]);
        }
        return samples;
      },
    ),
  });
}

/** Registers `<prefix>registry_workers{state}`, read from `workers` on each scrape. */
export function registerRegistryCollectors(
  registry: Registry,
  prefix: string,
  workers: WorkerListSource,
): void {
  scrapeTimeGauge({
    registry,
    name: `${prefix}registry_workers`,
    help: 'Workers the registry can choose, by membership state (alive, suspect).',
    labelNames: ['state'],
    read: whenReadable(
      () => workers.workers(),
      (list) => {
        const byState = new Map<string, number>([
          ['alive', 0],
          ['suspect', 0],
        ]);
        for (const { state } of list) byState.set(state, (byState.get(state) ?? 0) + 1);
        return [...byState].map(([state, count]) => [{ state }, count] as const);
      },
    ),
  });
  const selectionStats = workers.selectionStats?.bind(workers);
  if (selectionStats === undefined) return;
  scrapeTimeCounter({
    registry,
    name: `${prefix}registry_selections_total`,
    help: 'Worker selections by strategy and outcome (alive, suspect: a suspect chosen for want of an alive one, none: no worker).',
    labelNames: ['strategy', 'outcome'],
    read: whenReadable(selectionStats, ({ strategy, alive, suspect, none }) => [
      [{ strategy, outcome: 'alive' }, alive],
      [{ strategy, outcome: 'suspect' }, suspect],
      [{ strategy, outcome: 'none' }, none],
    ]),
  });
}

/** Registers the `<prefix>cluster_client_*` instruments, read from `client.metrics`. */
export function registerClusterClientCollectors(
  registry: Registry,
  prefix: string,
  client: ClusterClientSource,
): void {
  const name = `${prefix}cluster_client_`;
  const snapshot = () => client.metrics;
  scrapeTimeCounter({
    registry,
    name: `${name}calls_total`,
    help: 'Calls finished, by outcome (succeeded, failed).',
    labelNames: ['outcome'],
    read: whenReadable(snapshot, (m) => [
      [{ outcome: 'succeeded' }, m.succeeded],
      [{ outcome: 'failed' }, m.failed],
    ]),
  });
  const counter = (suffix: string, help: string, pick: (m: ClusterClientMetrics) => number) =>
    scrapeTimeCounter({
      registry,
      name: `${name}${suffix}`,
      help,
      read: whenReadable(snapshot, (m) => one(pick(m))),
    });
  counter('failovers_total', 'Attempts made on another worker after a failure.', (m) => m.retries);
  counter(
    'retries_denied_total',
    'Failovers refused because the retry budget was spent.',
    (m) => m.retriesDenied,
  );
  counter(
    'hedges_total',
    'Hedged attempts sent while an earlier attempt still ran.',
    (m) => m.hedges,
  );
  counter(
    'attempt_timeouts_total',
    'Attempts given up at their attempt timeout.',
    (m) => m.attemptTimeouts,
  );
  counter(
    'stream_resumes_total',
    'Streams resumed on another worker after messages arrived.',
    (m) => m.resumes,
  );
  counter(
    'no_workers_total',
    'Calls that ended because no worker was left to try.',
    (m) => m.noWorkers,
  );
  counter('ejections_total', 'Workers ejected by outlier detection.', (m) => m.ejections);
  if (client.pool !== undefined) registerPoolCollectors(registry, `${name}pool_`, client.pool);
}

/** Registers `<name>*`: the pool's dials and losses, and each pooled QUIC connection's stats. */
function registerPoolCollectors(
  registry: Registry,
  name: string,
  pool: NonNullable<ClusterClientSource['pool']>,
): void {
  const stats = () => pool.stats;
  scrapeTimeGauge({
    registry,
    name: `${name}connections`,
    help: 'Open pooled connections to workers.',
    read: whenReadable(stats, (s) => one(s.connections)),
  });
  const counter = (suffix: string, help: string, pick: (s: ConnectionPoolStats) => number) =>
    scrapeTimeCounter({
      registry,
      name: `${name}${suffix}`,
      help,
      read: whenReadable(stats, (s) => one(pick(s))),
    });
  counter('dials_total', 'Connections dialled to workers.', (s) => s.dials);
  counter('dial_failures_total', 'Dials to workers that failed.', (s) => s.dialFailures);
  counter(
    'connections_lost_total',
    'Pooled connections that closed with an error.',
    (s) => s.connectionsLost,
  );
  const perWorker =
    (pick: (s: PooledConnectionStats['transport']) => number | undefined, reduce: 'max' | 'sum') =>
    (): Samples => {
      const byWorker = new Map<string, number>();
      for (const { workerId, transport } of pool.connectionStats()) {
        const value = pick(transport);
        if (value === undefined) continue;
        const seen = byWorker.get(workerId);
        byWorker.set(
          workerId,
          seen === undefined ? value : reduce === 'max' ? Math.max(seen, value) : seen + value,
        );
      }
      return [...byWorker].map(([worker, value]) => [{ worker }, value] as const);
    };
  const gauge = (suffix: string, help: string, read: () => Samples) =>
    scrapeTimeGauge({ registry, name: `${name}${suffix}`, help, labelNames: ['worker'], read });
  gauge(
    'rtt_seconds',
    'Smoothed QUIC RTT to each worker (the largest over its pooled connections).',
    perWorker((s) => (s.rttMs === undefined ? undefined : s.rttMs / 1000), 'max'),
  );
  gauge(
    'congestion_window_bytes',
    'QUIC congestion window towards each worker, summed over its pooled connections.',
    perWorker((s) => s.congestionWindowBytes, 'sum'),
  );
  gauge(
    'packets_lost',
    'QUIC packets to each worker declared lost, summed over its open pooled connections (falls when one closes).',
    perWorker((s) => s.packetsLost, 'sum'),
  );
}

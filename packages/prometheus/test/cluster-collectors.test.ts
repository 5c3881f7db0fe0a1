import type { ClusterClientMetrics } from '@rpcnet/cluster-client';
import type { GossipMetricsSnapshot } from '@rpcnet/gossip';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MetricsConfigError, RpcnetMetrics } from '../src/index.js';
import { parseExposition, sample } from './samples.js';

const gossipSnapshot: GossipMetricsSnapshot = {
  members: { alive: 4, suspect: 1, dead: 2, left: 0 },
  datagramsIn: 100,
  datagramsOut: 90,
  messagesIn: 150,
  messagesOut: 140,
  bytesIn: 12_000,
  bytesOut: 11_000,
  drops: { decode: 3, auth: 1 },
  probesSent: 50,
  probesAcked: 47,
  probesFailed: 3,
  probeRtt: { count: 47, minMs: 0.2, meanMs: 0.5, p50Ms: 0.4, p99Ms: 2, maxMs: 3 },
  suspicionsRaised: 2,
  suspicionsRefuted: 1,
  selfRefutations: 1,
  addressTakeovers: 0,
  awareness: 2,
  incarnation: 5,
};

const clusterClientMetrics: ClusterClientMetrics = {
  calls: 30,
  succeeded: 27,
  failed: 3,
  retries: 4,
  retriesDenied: 1,
  hedges: 2,
  attemptTimeouts: 1,
  resumes: 1,
  noWorkers: 2,
  ejections: 1,
};

async function scrape(registry: Registry) {
  return parseExposition(await registry.metrics());
}

describe('cluster collectors', () => {
  it('report a gossip node: members by state, probes, suspicions, RTT, health, phi, traffic', async () => {
    const registry = new Registry();
    let started = false;
    new RpcnetMetrics({ registry }).observeGossip({
      metrics: () => {
        if (!started) throw new Error('not started');
        return gossipSnapshot;
      },
      members: () => [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      phi: (id) => (id === 'a' ? 0.7 : id === 'b' ? 9.5 : undefined),
    });
    const before = await scrape(registry);
    // Before start: label-less counters read 0, labelled ones have no series.
    expect(sample(before, 'rpcnet_gossip_probes_sent_total')).toBe(0);
    expect(sample(before, 'rpcnet_gossip_members', { state: 'alive' })).toBe(undefined);
    started = true;
    const s = await scrape(registry);
    expect(sample(s, 'rpcnet_gossip_members', { state: 'alive' })).toBe(4);
    expect(sample(s, 'rpcnet_gossip_members', { state: 'suspect' })).toBe(1);
    expect(sample(s, 'rpcnet_gossip_members', { state: 'dead' })).toBe(2);
    expect(sample(s, 'rpcnet_gossip_probes_sent_total')).toBe(50);
    expect(sample(s, 'rpcnet_gossip_probes_acked_total')).toBe(47);
    expect(sample(s, 'rpcnet_gossip_probes_failed_total')).toBe(3);
    expect(sample(s, 'rpcnet_gossip_suspicions_total')).toBe(2);
    expect(sample(s, 'rpcnet_gossip_refutations_total')).toBe(1);
    expect(sample(s, 'rpcnet_gossip_self_refutations_total')).toBe(1);
    expect(sample(s, 'rpcnet_gossip_local_health')).toBe(2);
    expect(sample(s, 'rpcnet_gossip_probe_rtt_seconds', { stat: 'p99' })).toBe(0.002);
    expect(sample(s, 'rpcnet_gossip_bytes_total', { direction: 'out' })).toBe(11_000);
    expect(sample(s, 'rpcnet_gossip_messages_total', { direction: 'in' })).toBe(150);
    expect(sample(s, 'rpcnet_gossip_drops_total', { reason: 'decode' })).toBe(3);
    expect(sample(s, 'rpcnet_gossip_member_phi', { member: 'a' })).toBe(0.7);
    expect(sample(s, 'rpcnet_gossip_member_phi', { member: 'b' })).toBe(9.5);
    expect(sample(s, 'rpcnet_gossip_member_phi', { member: 'c' })).toBe(undefined);
    // Read again on the next scrape, not added up.
    expect(sample(await scrape(registry), 'rpcnet_gossip_probes_sent_total')).toBe(50);
  });

  it('report registry workers by state and the cluster client counters', async () => {
    const registry = new Registry();
    new RpcnetMetrics({ registry })
      .observeWorkerRegistry({
        workers: () => [{ state: 'alive' }, { state: 'alive' }, { state: 'suspect' }],
      })
      .observeClusterClient({ metrics: clusterClientMetrics });
    const s = await scrape(registry);
    expect(sample(s, 'rpcnet_registry_workers', { state: 'alive' })).toBe(2);
    expect(sample(s, 'rpcnet_registry_workers', { state: 'suspect' })).toBe(1);
    expect(sample(s, 'rpcnet_cluster_client_calls_total', { outcome: 'succeeded' })).toBe(27);
    expect(sample(s, 'rpcnet_cluster_client_calls_total', { outcome: 'failed' })).toBe(3);
    expect(sample(s, 'rpcnet_cluster_client_failovers_total')).toBe(4);
    expect(sample(s, 'rpcnet_cluster_client_retries_denied_total')).toBe(1);
    expect(sample(s, 'rpcnet_cluster_client_hedges_total')).toBe(2);
    expect(sample(s, 'rpcnet_cluster_client_attempt_timeouts_total')).toBe(1);
    expect(sample(s, 'rpcnet_cluster_client_stream_resumes_total')).toBe(1);
    expect(sample(s, 'rpcnet_cluster_client_no_workers_total')).toBe(2);
    expect(sample(s, 'rpcnet_cluster_client_ejections_total')).toBe(1);
  });

  it('report selections per strategy and the pool: dials, losses, QUIC stats per worker', async () => {
    const registry = new Registry();
    const quic = (
      rttMs: number | undefined,
      congestionWindowBytes: number,
      packetsLost: number,
    ) => ({
      rttMs,
      congestionWindowBytes,
      packetsLost,
      packetsSent: 100,
      packetsReceived: 90,
      bytesSent: 10_000,
      bytesReceived: 9_000,
    });
    new RpcnetMetrics({ registry })
      .observeWorkerRegistry({
        workers: () => [],
        selectionStats: () => ({ strategy: 'least-latency', alive: 40, suspect: 2, none: 1 }),
      })
      .observeClusterClient({
        metrics: clusterClientMetrics,
        pool: {
          stats: {
            workers: 2,
            connections: 3,
            dialing: 0,
            dials: 5,
            dialFailures: 2,
            connectionsLost: 1,
          },
          connectionStats: () => [
            { workerId: 'w1', rpcAddress: '10.0.0.1:7000', transport: quic(2, 14_000, 3) },
            { workerId: 'w1', rpcAddress: '10.0.0.1:7000', transport: quic(5, 20_000, 1) },
            { workerId: 'w2', rpcAddress: '10.0.0.2:7000', transport: quic(undefined, 12_000, 0) },
          ],
        },
      });
    const s = await scrape(registry);
    const selections = (outcome: string) =>
      sample(s, 'rpcnet_registry_selections_total', { strategy: 'least-latency', outcome });
    expect([selections('alive'), selections('suspect'), selections('none')]).toEqual([40, 2, 1]);
    expect(sample(s, 'rpcnet_cluster_client_pool_connections')).toBe(3);
    expect(sample(s, 'rpcnet_cluster_client_pool_dials_total')).toBe(5);
    expect(sample(s, 'rpcnet_cluster_client_pool_dial_failures_total')).toBe(2);
    expect(sample(s, 'rpcnet_cluster_client_pool_connections_lost_total')).toBe(1);
    const perWorker = (name: string, worker: string) =>
      sample(s, `rpcnet_cluster_client_pool_${name}`, { worker });
    expect(perWorker('rtt_seconds', 'w1')).toBe(0.005);
    expect(perWorker('rtt_seconds', 'w2')).toBe(undefined);
    expect(perWorker('congestion_window_bytes', 'w1')).toBe(34_000);
    expect(perWorker('congestion_window_bytes', 'w2')).toBe(12_000);
    expect(perWorker('packets_lost', 'w1')).toBe(4);
    expect(perWorker('packets_lost', 'w2')).toBe(0);
  });

  it('refuse observing the same kind of source twice in one registry', () => {
    const metrics = new RpcnetMetrics({ registry: new Registry() });
    metrics.observeClusterClient({ metrics: clusterClientMetrics });
    expect(() => metrics.observeClusterClient({ metrics: clusterClientMetrics })).toThrow(
      MetricsConfigError,
    );
  });
});

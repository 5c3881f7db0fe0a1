import type { ClusterNode } from '@rpcnet/gossip';
import type { Worker } from '@rpcnet/registry';
import {
  type ClientView,
  type HealthView,
  type MemberView,
  PHI_REPORT_CAP,
  type WorkerView,
} from './management-api.js';
import type { ManagedClient, ManagedCluster } from './sources.js';

/** A member as JSON, with this node's phi and probe RTT for it. */
export function memberView(cluster: ManagedCluster, node: ClusterNode): MemberView {
  const self = node.id === cluster.id;
  return {
    id: node.id,
    gossipAddress: node.gossipAddress,
    rpcAddress: node.rpcAddress === undefined || node.rpcAddress === '' ? null : node.rpcAddress,
    state: node.state,
    incarnation: node.incarnation,
    tags: { ...node.tags },
    phi: self ? null : reportedPhi(cluster.phi(node.id)),
    rttMs: self ? null : (cluster.probeRtt(node.id) ?? null),
    self,
  };
}

/** Every known member (dead and left included), sorted by id. */
export function memberViews(cluster: ManagedCluster): MemberView[] {
  const nodes = cluster.running ? cluster.members({ includeDead: true }) : [cluster.localNode()];
  return [...nodes].sort((a, b) => (a.id < b.id ? -1 : 1)).map((node) => memberView(cluster, node));
}

/** The serving node's own health; before `start()` only `running: false` is meaningful. */
export function healthView(cluster: ManagedCluster): HealthView {
  if (!cluster.running) return { running: false, awareness: 0, incarnation: 0 };
  const metrics = cluster.metrics();
  return { running: true, awareness: metrics.awareness, incarnation: metrics.incarnation };
}

/** A registry worker as JSON. */
export function workerView(worker: Worker): WorkerView {
  const { latency } = worker;
  return {
    id: worker.id,
    rpcAddress: worker.rpcAddress,
    state: worker.state,
    tags: { ...worker.tags },
    inFlight: worker.inFlight,
    latency: {
      ewmaMs: rounded(latency.ewmaMs),
      lastMs: rounded(latency.lastMs),
      minMs: rounded(latency.minMs),
      maxMs: rounded(latency.maxMs),
      samples: latency.samples,
      failures: latency.failures,
    },
  };
}

/** A cluster client's routing counters as JSON. */
export function clientView(client: ManagedClient): ClientView {
  return {
    ...client.metrics,
    ejectedWorkers: [...client.ejectedWorkers],
    retryTokens: client.retryTokens,
  };
}

function reportedPhi(phi: number | undefined): number | null {
  if (phi === undefined || Number.isNaN(phi)) return null;
  return Math.min(PHI_REPORT_CAP, Math.round(phi * 1000) / 1000);
}

function rounded(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 1000) / 1000;
}

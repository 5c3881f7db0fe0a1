import type { Unsubscribe } from '@rpcnet/base';
import type { ClusterClientMetrics } from '@rpcnet/cluster-client';
import type { ClusterEvent, ClusterNode, GossipMetricsSnapshot, NodeId } from '@rpcnet/gossip';
import type { Worker, WorkerEvent } from '@rpcnet/registry';

/** What the endpoint reads of a cluster member: `Cluster` from `@rpcnet/gossip` provides it. */
export interface ManagedCluster {
  readonly id: NodeId;
  readonly running: boolean;
  localNode(): ClusterNode;
  members(options?: { includeDead?: boolean }): readonly ClusterNode[];
  phi(id: NodeId): number | undefined;
  probeRtt(id: NodeId): number | undefined;
  metrics(): GossipMetricsSnapshot;
  onEvent(listener: (event: ClusterEvent) => void): Unsubscribe;
}

/** What the endpoint reads of a worker registry: `WorkerRegistry` provides it. */
export interface ManagedRegistry {
  workers(): readonly Worker[];
  onEvent(listener: (event: WorkerEvent) => void): Unsubscribe;
}

/** What the endpoint reads of a cluster client: `ClusterClient` provides it. */
export interface ManagedClient {
  readonly metrics: ClusterClientMetrics;
  readonly ejectedWorkers: readonly string[];
  readonly retryTokens: number;
}

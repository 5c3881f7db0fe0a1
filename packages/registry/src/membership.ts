import type { ClusterEvent, ClusterNode, NodeTags } from '@rpcnet/gossip';

/**
 * What the registry needs from cluster membership; `Cluster` from `@rpcnet/gossip` provides it.
 * Declared here, where it is consumed, so tests and other sources can supply their own.
 */
export interface MembershipSource {
  /** The node this process runs as. */
  localNode(): ClusterNode;
  /** Every known member, suspects included; dead and left members are excluded. */
  members(): readonly ClusterNode[];
  /** Members whose tags contain every `key=value` pair of `filter`, from the membership tag index. */
  nodesByTag(filter: NodeTags): readonly ClusterNode[];
  /** Subscribes to membership events; returns the unsubscribe function. */
  onEvent(listener: (event: ClusterEvent) => void): () => void;
}

/** Publishes one of the local node's tags to the cluster (gossip's `Cluster.setTag`). */
export interface TagPublisher {
  setTag(key: string, value: string): void;
}

/** The tag a node uses to advertise its health: `'false'` takes it out of every registry. */
export const HEALTHY_TAG = 'healthy';

/** The tag the `Weighted` strategy reads a worker's relative weight from. */
export const WEIGHT_TAG = 'weight';

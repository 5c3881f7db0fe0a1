/** A node's cluster-wide identity (a nanoid), stable for the life of the process. */
export type NodeId = string;

/** Membership states of a node, as every member sees it. */
export const NodeState = {
  Alive: 'alive',
  Suspect: 'suspect',
  Dead: 'dead',
  Left: 'left',
} as const;
export type NodeState = (typeof NodeState)[keyof typeof NodeState];

/** Tags a node advertises, e.g. `{ role: 'worker', label: 'worker-1' }`. */
export type NodeTags = Readonly<Record<string, string>>;

/** One member of the cluster as seen by the local node. Immutable snapshot. */
export interface ClusterNode {
  readonly id: NodeId;
  /** Gossip (UDP) address as `host:port`. */
  readonly gossipAddress: string;
  /** RPC (QUIC) address as `host:port`, when the node serves RPC. */
  readonly rpcAddress?: string | undefined;
  readonly tags: NodeTags;
  readonly state: NodeState;
  /** Only the node itself raises its incarnation, to refute suspicion or publish new tags. */
  readonly incarnation: number;
}

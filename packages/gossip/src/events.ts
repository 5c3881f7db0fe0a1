import type { ClusterNode, NodeId } from './node.js';

/** Everything the membership layer reports. `node` is the snapshot after the change. */
export type ClusterEvent =
  | { readonly type: 'NodeJoined'; readonly node: ClusterNode }
  | { readonly type: 'NodeLeft'; readonly node: ClusterNode }
  | { readonly type: 'NodeFailed'; readonly node: ClusterNode }
  | { readonly type: 'NodeSuspected'; readonly node: ClusterNode }
  | { readonly type: 'NodeRecovered'; readonly node: ClusterNode }
  | { readonly type: 'NodeUpdated'; readonly node: ClusterNode; readonly previous: ClusterNode }
  | {
      readonly type: 'PartitionDetected';
      readonly reachable: readonly NodeId[];
      readonly unreachable: readonly NodeId[];
    }
  | { readonly type: 'PartitionHealed'; readonly rejoined: readonly NodeId[] };

/** The event names, for the event-emitter form (`cluster.on('NodeFailed', ...)`). */
export type ClusterEventType = ClusterEvent['type'];

/** The event of one type. */
export type ClusterEventOf<T extends ClusterEventType> = Extract<ClusterEvent, { type: T }>;

export type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
export type { ClusterNode, NodeId, NodeTags } from './node.js';
export { NodeState } from './node.js';

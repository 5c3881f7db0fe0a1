export type { CancelTimer, Clock, RandomSource } from './clock.js';
export type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
export type { ClusterNode, NodeId, NodeTags } from './node.js';
export { NodeState } from './node.js';
export type { PacketTransport } from './transport.js';

// biome-ignore-all assist/source/organizeImports: the collision block must follow the star exports
export * from '@rpcnet/phi';
export * from '@rpcnet/core';
export * from '@rpcnet/gossip';
export * from '@rpcnet/registry';
export * from '@rpcnet/cluster-client';
export * from '@rpcnet/management';

// The base class of every package's option errors (`instanceof ConfigError`).
export { ConfigError } from '@rpcnet/base';

// Names both core and gossip export. The plain name is the RPC layer's; the gossip one gets a
// prefixed alias, so no name in this package is ambiguous.
export type { CancelTimer, Clock } from '@rpcnet/core';
export { PROTOCOL_VERSION, systemClock } from '@rpcnet/core';
export {
  PROTOCOL_VERSION as GOSSIP_PROTOCOL_VERSION,
  systemClock as gossipSystemClock,
} from '@rpcnet/gossip';

// Server integration.
export type { DiscoveredNode, NodeDirectory } from './discover-nodes.js';
export { connectNode, discoverNodes } from './discover-nodes.js';
export type { ClusterManagementOptions, EnableClusterOptions } from './enable-cluster.js';
export { enableCluster, managementEndpointOf } from './enable-cluster.js';

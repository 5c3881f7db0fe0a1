// The simulation kit (`@rpcnet/gossip/simulation`): SWIM nodes over a simulated network in virtual
// time, for tests and benchmarks; applications use `Cluster` from the package root.
export type { RunUntilOptions } from '@rpcnet/base';
export { VirtualClock } from '@rpcnet/base';
export type { SharedMessageCodecOptions } from './shared-message-codec.js';
export { SharedMessageCodec } from './shared-message-codec.js';
export type {
  SimulatedClusterOptions,
  SimulatedNode,
  SimulatedNodeOptions,
} from './simulated-cluster.js';
export { SimulatedCluster } from './simulated-cluster.js';
export type { SimulatedNetworkOptions, SimulatedNetworkStats } from './simulated-network.js';
export { SimulatedNetwork } from './simulated-network.js';

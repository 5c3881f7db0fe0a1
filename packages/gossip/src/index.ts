// biome-ignore-all assist/source/organizeImports: exports stay grouped by concern
// The application API: a cluster member, its configuration, events, member views, errors and seed
// discovery. SWIM's machinery (codec, messages, SwimProtocol, MemberTable, transports) is
// `@rpcnet/gossip/protocol`; the simulation kit is `@rpcnet/gossip/simulation`.

// the cluster member
export type { ClusterOptions } from './cluster.js';
export { Cluster } from './cluster.js';
export type { SubscribeOptions } from './event-hub.js';
export type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
export type { GossipMetricsSnapshot, ProbeRttStats } from './metrics.js';

// configuration
export type { ClusterConfig, ClusterConfigInput } from './config.js';
export {
  lanClusterConfig,
  localClusterConfig,
  parseClusterConfig,
  wanClusterConfig,
  withAdvertiseAddr,
  withBindAddr,
  withGossipPort,
  withNodeId,
  withRpcAddress,
  withSecret,
  withSeedNodes,
  withTag,
  withTags,
} from './config.js';
export { ADVERTISE_ADDR_ENV, withAdvertiseAddrFromEnv } from './advertise-address.js';
export { createNodeId, NODE_ID_LENGTH } from './node-id.js';
export type { KeyRef, OpenFailureReason, OpenResult } from './keyring.js';
export { KEY_BYTES, Keyring } from './keyring.js';

// members
export type { ClusterNode, NodeId, NodeTags } from './node.js';
export { NodeState } from './node.js';

// errors
export { ClusterConfigError, ClusterError, ClusterErrorCode } from './errors.js';

// seed discovery
export type { DnsFamily, DnsResolver, DnsSeedOptions } from './dns-seed-discovery.js';
export { dnsSeeds, dnsSrvSeeds } from './dns-seed-discovery.js';
export type { SeedDiscovery, SeedDiscoveryStats } from './seed-discovery.js';
export { seedsFrom, staticSeeds } from './seed-discovery.js';
export { SEED_DISCOVERY_TIMEOUT_MS } from './seed-refresher.js';

// what ClusterOptions injects
/** Gossip's clock: a {@link MonotonicClock} (probe periods and timeouts only measure durations). */
export type {
  CancelTimer,
  MonotonicClock as Clock,
  MonotonicClock,
  RandomSource,
} from '@rpcnet/base';
export { systemMonotonicClock as systemClock } from '@rpcnet/base';
export type { PacketTransport } from './transport.js';

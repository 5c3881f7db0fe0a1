// biome-ignore-all assist/source/organizeImports: exports stay grouped by owner (protocol, service)
/** Gossip's clock: a {@link MonotonicClock} (probe periods and timeouts only measure durations). */
export type { CancelTimer, MonotonicClock as Clock, MonotonicClock } from '@rpcnet/base';
export type { RandomSource } from '@rpcnet/base';
export type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
export type { ClusterNode, NodeId, NodeTags } from './node.js';
export { NodeState } from './node.js';
export type { PacketTransport } from './transport.js';

// protocol
export { Awareness } from './awareness.js';
export {
  assembleDatagram,
  DATAGRAM_HEADER_BYTES,
  DECODE_LIMITS,
  decodeDatagram,
  encodeDatagram,
  encodedMemberSize,
  encodedMessageSize,
  encodeMessage,
  framedSize,
} from './codec.js';
export type { ClusterConfig, ClusterConfigInput } from './config.js';
export {
  clusterConfigSchema,
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
export { BroadcastQueue, retransmitLimit } from './dissemination.js';
export { ClusterConfigError, ClusterError, ClusterErrorCode, DecodeError } from './errors.js';
export type {
  AckMessage,
  AliveMessage,
  DeadMessage,
  GossipMessage,
  IndirectPingMessage,
  LeftMessage,
  MemberRecord,
  NackMessage,
  PingMessage,
  DigestMessage,
  PushPullMessage,
  StateUpdateMessage,
  SuspectMessage,
} from './messages.js';
export { GOSSIP_PROTO_SCHEMA, PROTOCOL_REVISION, PROTOCOL_VERSION } from './messages.js';
export type { GossipMetricsSnapshot, ProbeRttStats } from './metrics.js';
export { createNodeId, NODE_ID_LENGTH } from './node-id.js';
export type { PartitionRule, PartitionView } from './partition.js';
export { PartitionDetector } from './partition.js';
export type { MemberTableChange } from './member-table.js';
export { isLive, MemberTable } from './member-table.js';
export { createSeededRandom } from '@rpcnet/base';
export type { SuspicionOptions } from './suspicion.js';
export { Suspicion, suspicionTimeoutBounds, suspicionTimeoutMs } from './suspicion.js';
export type { DiscoveredSeeds, SwimProtocolOptions } from './swim.js';
export { SwimProtocol } from './swim.js';

// service
export { ADVERTISE_ADDR_ENV, withAdvertiseAddrFromEnv } from './advertise-address.js';
export type { ClusterOptions } from './cluster.js';
export { Cluster } from './cluster.js';
export type { DnsFamily, DnsResolver, DnsSeedOptions } from './dns-seed-discovery.js';
export { dnsSeeds, dnsSrvSeeds } from './dns-seed-discovery.js';
export type { SeedDiscovery, SeedDiscoveryStats } from './seed-discovery.js';
export { seedsFrom, staticSeeds } from './seed-discovery.js';
export { SEED_DISCOVERY_TIMEOUT_MS } from './seed-refresher.js';
export type { SubscribeOptions } from './event-hub.js';
export { ClusterEventHub } from './event-hub.js';
export type { KeyRef, OpenFailureReason, OpenResult } from './keyring.js';
export { KEY_BYTES, Keyring, SEAL_OVERHEAD_BYTES } from './keyring.js';
export type { ReplayGuardOptions, ReplayVerdict } from './replay-guard.js';
export { ReplayGuard } from './replay-guard.js';
export type { SecureTransportOptions } from './secure-transport.js';
export { SECURE_OVERHEAD_BYTES, SecureTransport } from './secure-transport.js';
export { systemMonotonicClock as systemClock } from '@rpcnet/base';
export type { TransportDropReason } from './transport-drop.js';
export type { UdpTransportOptions, UdpTransportStats } from './udp-transport.js';
export { UdpTransport } from './udp-transport.js';

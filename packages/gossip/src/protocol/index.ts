// biome-ignore-all assist/source/organizeImports: exports stay grouped by concern
// SWIM's machinery (`@rpcnet/gossip/protocol`): the datagram codec and messages, the protocol state
// machine and its parts, and the transports it runs over. `Cluster` at the package root is built
// from these; tools that speak gossip themselves (fault injection, fuzzing, benchmarks) use them.

// wire: codec and messages
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
} from '../codec.js';
export { DecodeError } from '../errors.js';
export type { MessageCodec } from '../message-codec.js';
export { wireCodec } from '../message-codec.js';
export type {
  AckMessage,
  AliveMessage,
  DeadMessage,
  DigestMessage,
  GossipMessage,
  IndirectPingMessage,
  LeftMessage,
  MemberRecord,
  NackMessage,
  PingMessage,
  PushPullMessage,
  StateUpdateMessage,
  SuspectMessage,
} from '../messages.js';
export { GOSSIP_PROTO_SCHEMA, PROTOCOL_REVISION, PROTOCOL_VERSION } from '../messages.js';

// the state machine and its parts
export { Awareness } from '../awareness.js';
export { BroadcastQueue, retransmitLimit } from '../dissemination.js';
export type { FingerprintLookup } from '../fingerprint-set.js';
export { FingerprintSet } from '../fingerprint-set.js';
export type { MemberTableChange } from '../member-table.js';
export { isLive, MemberTable } from '../member-table.js';
export { MemberRecordPool } from '../member-record-pool.js';
export type { PartitionRule, PartitionView } from '../partition.js';
export { PartitionDetector } from '../partition.js';
export type { SuspicionOptions } from '../suspicion.js';
export { Suspicion, suspicionTimeoutBounds, suspicionTimeoutMs } from '../suspicion.js';
export type { DiscoveredSeeds, SwimProtocolOptions } from '../swim.js';
export { SwimProtocol } from '../swim.js';

// transports: UDP, sealing, replay protection
export type { ReplayGuardOptions, ReplayVerdict } from '../replay-guard.js';
export { ReplayGuard } from '../replay-guard.js';
export { SEAL_OVERHEAD_BYTES } from '../keyring.js';
export type { SecureTransportOptions } from '../secure-transport.js';
export { SECURE_OVERHEAD_BYTES, SecureTransport } from '../secure-transport.js';
export type { TransportDropReason } from '../transport-drop.js';
export type { UdpTransportOptions, UdpTransportStats } from '../udp-transport.js';
export { UdpTransport } from '../udp-transport.js';

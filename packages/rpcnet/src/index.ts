// biome-ignore-all assist/source/organizeImports: exports are grouped by package, one block each.
// The application API only: what a service, a worker or a director is written with. Everything
// else (wire framing, gossip's codec and SWIM internals, the simulation kit, transports for tests)
// stays in its own package, at its root or behind a named subpath. The list is documented in
// README.md ("Exports"), and a test keeps the two equal.

// --- Basics ---
export type { Logger, LogFields } from '@rpcnet/base';
export { ConfigError, formatHostPort, parseHostPort, pinoLogger, silentLogger } from '@rpcnet/base';
export type { HostPort } from '@rpcnet/base';

// --- RPC: server, client, typed services, errors ---
export type {
  BidiStreamCall,
  CallContext,
  CallObserver,
  CallOptions,
  ClientInterceptor,
  ClientStreamCall,
  DevCertificate,
  Metadata,
  MessageCodec,
  ResponseStream,
  RpcClientOptions,
  RpcServerOptions,
  ServerInterceptor,
  ServiceClient,
  ServiceDefinition,
  ServiceImplementation,
  TlsOptions,
  TypedBidiStreamCall,
  TypedClientStreamCall,
  TypedResponseStream,
} from '@rpcnet/core';
export {
  bidiStreamMethod,
  clientStreamMethod,
  createDevCertificate,
  defineService,
  ErrorCode,
  isErrorCode,
  jsonCodec,
  protobufTypes,
  QuicTransportError,
  rawCodec,
  RpcClient,
  RpcConfigError,
  RpcError,
  RpcServer,
  serverStreamMethod,
  serviceClient,
  unaryMethod,
} from '@rpcnet/core';

// --- Membership (gossip) ---
export type {
  ClusterConfig,
  ClusterConfigInput,
  ClusterEvent,
  ClusterEventType,
  ClusterNode,
  ClusterOptions,
  NodeId,
  NodeTags,
  SeedDiscovery,
} from '@rpcnet/gossip';
export {
  Cluster,
  ClusterConfigError,
  ClusterError,
  ClusterErrorCode,
  dnsSeeds,
  dnsSrvSeeds,
  Keyring,
  lanClusterConfig,
  localClusterConfig,
  NodeState,
  parseClusterConfig,
  seedsFrom,
  staticSeeds,
  wanClusterConfig,
  withAdvertiseAddrFromEnv,
} from '@rpcnet/gossip';

// --- Workers, load balancing, health (registry) ---
export type {
  HealthCheck,
  HealthStatus,
  LoadBalancingStrategy,
  Worker,
  WorkerEvent,
  WorkerFilter,
  WorkerLease,
  WorkerRegistryOptions,
} from '@rpcnet/registry';
export {
  HealthCheckService,
  InvalidFilterError,
  LeastConnections,
  LeastLatency,
  NoWorkersAvailableError,
  PowerOfTwoChoices,
  RegistryConfigError,
  RegistryError,
  RoundRobin,
  Weighted,
  WorkerRegistry,
} from '@rpcnet/registry';

// --- Calls to the cluster's workers (cluster-client) ---
export type {
  ClusterClientConfig,
  ClusterClientEvent,
  WorkerCallOptions,
  WorkerCallResult,
  WorkerStreamOptions,
} from '@rpcnet/cluster-client';
export { ClusterClient, ClusterClientConfigError } from '@rpcnet/cluster-client';

// --- Management endpoint and console ---
export type { ManagementServerOptions } from '@rpcnet/management';
export { ManagementConfigError, ManagementServer } from '@rpcnet/management';

// --- Server integration ---
export type { DiscoveredNode, NodeDirectory } from './discover-nodes.js';
export { connectNode, discoverNodes } from './discover-nodes.js';
export type { ClusterManagementOptions, EnableClusterOptions } from './enable-cluster.js';
export { enableCluster, managementEndpointOf } from './enable-cluster.js';

export type { AdaptiveTimeoutOptions, HedgingOptions } from './adaptive-timing.js';
export type { BackoffOptions } from './backoff.js';
export type {
  StreamResume,
  StreamResumeContext,
  WorkerCallOptions,
  WorkerCallResult,
  WorkerStreamMessage,
  WorkerStreamOptions,
} from './call-options.js';
export type { ClusterClientMetrics } from './client-metrics.js';
export { ClusterClient } from './cluster-client.js';
export type { ClusterClientConfig } from './config.js';
export { CLUSTER_CLIENT_DEFAULTS } from './config.js';
export type {
  ConnectionLease,
  ConnectionPoolOptions,
  ConnectionPoolStats,
  PooledConnectionStats,
} from './connection-pool.js';
export { ConnectionPool } from './connection-pool.js';
export { ClusterClientConfigError } from './errors.js';
export type {
  ClusterClientEvent,
  FailoverEvent,
  HedgeEvent,
  StreamResumedEvent,
} from './events.js';
export type { OutlierDetectionOptions } from './outlier-detector.js';
export type { RetryBudgetOptions } from './retry-budget.js';
export type {
  ConnectWorker,
  QuicConnectorOptions,
  WorkerConnection,
  WorkerTarget,
} from './worker-connection.js';
export { quicConnector } from './worker-connection.js';
export type { WorkerSource } from './worker-source.js';

export { DURATION_BUCKETS_SECONDS, MESSAGE_COUNT_BUCKETS } from './buckets.js';
export type {
  ClusterClientSource,
  GossipSource,
  WorkerListSource,
} from './cluster-collectors.js';
export { metricsHandler } from './metrics-handler.js';
export {
  MetricsConfigError,
  RpcnetMetrics,
  type RpcnetMetricsOptions,
} from './rpcnet-metrics.js';
export type { TransportClientSource, TransportServerSource } from './transport-collectors.js';

export {
  InvalidFilterError,
  NoWorkersAvailableError,
  RegistryConfigError,
  RegistryError,
} from './errors.js';
export type {
  WorkerEvent,
  WorkerEventOf,
  WorkerEventType,
  WorkerRemovalReason,
} from './events.js';
export type { WorkerFilter, WorkerPredicate } from './filter.js';
export { parseFilterString } from './filter.js';
export type { HealthCheck, HealthStatus } from './health-check.js';
export { alwaysHealthy } from './health-check.js';
export type { HealthCheckResult, HealthReport } from './health-check-service.js';
export { HealthCheckService } from './health-check-service.js';
export type { HealthCheckServiceOptions } from './health-config.js';
export { HEALTH_DEFAULTS } from './health-config.js';
export type { MembershipSource, TagPublisher } from './membership.js';
export { HEALTHY_TAG, WEIGHT_TAG } from './membership.js';
export type { WorkerRegistryOptions } from './registry-config.js';
export { REGISTRY_DEFAULTS } from './registry-config.js';
export type { WorkerSelectionStats } from './selection-stats.js';
export { LeastConnections } from './strategies/least-connections.js';
export type { LeastLatencyOptions } from './strategies/least-latency.js';
export { LeastLatency } from './strategies/least-latency.js';
export { PowerOfTwoChoices } from './strategies/power-of-two-choices.js';
export type { RandomStrategyOptions } from './strategies/random.js';
export { Random } from './strategies/random.js';
export { RoundRobin } from './strategies/round-robin.js';
export type { WeightedOptions } from './strategies/weighted.js';
export { Weighted } from './strategies/weighted.js';
export type { LoadBalancingStrategy, SelectionContext } from './strategy.js';
export type { CallOutcome, LatencyStats, Worker, WorkerLease } from './worker.js';
export type { SelectOptions, WithWorkerOptions } from './worker-registry.js';
export { WorkerRegistry } from './worker-registry.js';

export type {
  ClientDocument,
  ClientView,
  EventsDocument,
  HealthView,
  ManagementEvent,
  MembersDocument,
  MemberView,
  NodeDocument,
  OverviewDocument,
  PartitionStatus,
  WorkersDocument,
  WorkerView,
} from './management-api.js';
export { MANAGEMENT_API_VERSION, PHI_REPORT_CAP } from './management-api.js';
export type { ManagementServerOptions } from './management-config.js';
export { MANAGEMENT_DEFAULTS, ManagementConfigError } from './management-config.js';
export { ManagementServer } from './management-server.js';
export type { ReadinessDocument } from './readiness.js';
export type { ManagedClient, ManagedCluster, ManagedRegistry } from './sources.js';
export { memberView, memberViews } from './views.js';

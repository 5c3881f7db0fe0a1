import {
  ConfigError,
  hasMethods,
  isLogger,
  isWallClock,
  type Logger,
  silentLogger,
  systemWallClock,
  type WallClock,
} from '@rpcnet/base';
import type { ManagedClient, ManagedCluster, ManagedRegistry } from './sources.js';

/** Options of {@link ManagementServer}; only `cluster` is required. */
export interface ManagementServerOptions {
  /** The member whose view the endpoint serves (a `Cluster` from `@rpcnet/gossip`). */
  readonly cluster: ManagedCluster;
  /** A `WorkerRegistry` whose workers and events to serve. */
  readonly registry?: ManagedRegistry | undefined;
  /** A `ClusterClient` whose routing counters to serve. */
  readonly client?: ManagedClient | undefined;
  /** Interface to listen on. Default `127.0.0.1`; anything else exposes the endpoint beyond this host. */
  readonly host?: string | undefined;
  /** TCP port. Default 0 (an ephemeral port; read `url` after `start()`). */
  readonly port?: number | undefined;
  /**
   * When set, every `/api/` and `/metrics` request must carry `Authorization: Bearer <token>`.
   * At least 16 characters. Default none.
   */
  readonly token?: string | undefined;
  /** Events kept for `/api/v1/events` and stream reconnects. Default 256. */
  readonly eventHistory?: number | undefined;
  /** Event streams open at once; further ones get 503. Default 32. */
  readonly maxStreams?: number | undefined;
  /** Serve the web console at `/`. Default true. */
  readonly console?: boolean | undefined;
  /**
   * Alive members, this one included, that `/readyz` needs to call this member joined. Default 2
   * (it sees at least one other); 1 for a cluster of one.
   */
  readonly readyMinMembers?: number | undefined;
  /** Prometheus text served at `/metrics` (for example a registry's `metrics()`); 404 when absent. */
  readonly metrics?: (() => string | Promise<string>) | undefined;
  /** Timestamps of events and snapshots. Default the system wall clock. */
  readonly clock?: WallClock | undefined;
  /** Default silent. */
  readonly logger?: Logger | undefined;
}

/** The defaults of {@link ManagementServerOptions}. */
export const MANAGEMENT_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  eventHistory: 256,
  maxStreams: 32,
  console: true,
  readyMinMembers: 2,
  /** A comment line on idle event streams, so proxies and clients see the stream is alive. */
  streamHeartbeatMs: 15_000,
});

/** An invalid {@link ManagementServerOptions} field. */
export class ManagementConfigError extends ConfigError {
  constructor(field: string, reason: string) {
    super(field, reason, { component: 'management' });
    this.name = 'ManagementConfigError';
  }
}

/** Validated options with defaults applied. */
export interface ResolvedManagementOptions {
  readonly cluster: ManagedCluster;
  readonly registry: ManagedRegistry | undefined;
  readonly client: ManagedClient | undefined;
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly eventHistory: number;
  readonly maxStreams: number;
  readonly console: boolean;
  readonly readyMinMembers: number;
  readonly metrics: (() => string | Promise<string>) | undefined;
  readonly clock: WallClock;
  readonly logger: Logger;
}

const KNOWN = new Set([
  'cluster',
  'registry',
  'client',
  'host',
  'port',
  'token',
  'eventHistory',
  'maxStreams',
  'console',
  'readyMinMembers',
  'metrics',
  'clock',
  'logger',
]);

/** Applies defaults; throws {@link ManagementConfigError} naming the first bad field. */
export function resolveManagementOptions(
  options: ManagementServerOptions,
): ResolvedManagementOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ManagementConfigError('options', 'expected an object with at least `cluster`');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ManagementConfigError(key, 'unknown option');
  }
  const { cluster, registry, client } = options;
  if (!hasMethods(cluster, 'localNode', 'members', 'phi', 'probeRtt', 'metrics', 'onEvent')) {
    throw new ManagementConfigError('cluster', 'expected a Cluster from @rpcnet/gossip');
  }
  if (registry !== undefined && !hasMethods(registry, 'workers', 'onEvent')) {
    throw new ManagementConfigError('registry', 'expected a WorkerRegistry');
  }
  if (
    client !== undefined &&
    (typeof client !== 'object' || client === null || !('metrics' in client))
  ) {
    throw new ManagementConfigError('client', 'expected a ClusterClient');
  }
  const host = options.host ?? MANAGEMENT_DEFAULTS.host;
  if (typeof host !== 'string' || host.length === 0) {
    throw new ManagementConfigError('host', 'expected an interface address such as 127.0.0.1');
  }
  const port = options.port ?? MANAGEMENT_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ManagementConfigError('port', 'expected an integer from 0 to 65535');
  }
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new ManagementConfigError('token', 'expected a string of at least 16 characters');
  }
  const eventHistory = options.eventHistory ?? MANAGEMENT_DEFAULTS.eventHistory;
  if (!Number.isInteger(eventHistory) || eventHistory < 1 || eventHistory > 100_000) {
    throw new ManagementConfigError('eventHistory', 'expected an integer from 1 to 100000');
  }
  const maxStreams = options.maxStreams ?? MANAGEMENT_DEFAULTS.maxStreams;
  if (!Number.isInteger(maxStreams) || maxStreams < 0 || maxStreams > 10_000) {
    throw new ManagementConfigError('maxStreams', 'expected an integer from 0 to 10000');
  }
  const consoleEnabled = options.console ?? MANAGEMENT_DEFAULTS.console;
  if (typeof consoleEnabled !== 'boolean') {
    throw new ManagementConfigError('console', 'expected true or false');
  }
  const readyMinMembers = options.readyMinMembers ?? MANAGEMENT_DEFAULTS.readyMinMembers;
  if (!Number.isInteger(readyMinMembers) || readyMinMembers < 1 || readyMinMembers > 100_000) {
    throw new ManagementConfigError('readyMinMembers', 'expected an integer from 1 to 100000');
  }
  if (options.metrics !== undefined && typeof options.metrics !== 'function') {
    throw new ManagementConfigError('metrics', 'expected a function returning Prometheus text');
  }
  const clock = options.clock ?? systemWallClock;
  if (!isWallClock(clock)) throw new ManagementConfigError('clock', 'expected a wall clock');
  const logger = options.logger ?? silentLogger;
  if (!isLogger(logger)) throw new ManagementConfigError('logger', 'expected a Logger');
  return {
    cluster,
    registry,
    client,
    host,
    port,
    token,
    eventHistory,
    maxStreams,
    console: consoleEnabled,
    readyMinMembers,
    metrics: options.metrics,
    clock,
    logger,
  };
}

/** The outcome of one health check. */
export interface HealthStatus {
  readonly healthy: boolean;
  /** Why, in a few words; shown in reports and logs. */
  readonly message?: string | undefined;
  /** Extra facts a check wants to report, e.g. `{ queueDepth: 12 }`. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

/** One named probe of this node's health, e.g. "database reachable". */
export interface HealthCheck {
  /** Unique within a `HealthCheckService`; names the check in reports. */
  readonly name: string;
  /** Resolves the current status; a rejection or a timeout counts as unhealthy. */
  check(): Promise<HealthStatus>;
}

/** The default check: always healthy, so a node with no checks of its own advertises `healthy=true`. */
export const alwaysHealthy: HealthCheck = Object.freeze({
  name: 'always-healthy',
  check: (): Promise<HealthStatus> => Promise.resolve({ healthy: true, message: 'ok' }),
});

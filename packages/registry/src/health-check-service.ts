import type { CancelTimer } from '@rpcnet/base';
import { RegistryConfigError } from './errors.js';
import { alwaysHealthy, type HealthCheck, type HealthStatus } from './health-check.js';
import {
  type HealthCheckServiceOptions,
  type ResolvedHealthOptions,
  resolveHealthOptions,
} from './health-config.js';
import { HEALTHY_TAG } from './membership.js';

/** The outcome of one check within a round. */
export interface HealthCheckResult {
  readonly name: string;
  readonly status: HealthStatus;
  /** How long the check took (up to the timeout), in ms of the service's clock. */
  readonly durationMs: number;
  /** True when the check did not settle within `timeoutMs`. */
  readonly timedOut: boolean;
}

/** One round of checks: healthy only if every check passed. */
export interface HealthReport {
  readonly healthy: boolean;
  /** Clock time at which the round ended. */
  readonly checkedAt: number;
  readonly results: readonly HealthCheckResult[];
}

/**
 * Runs this node's health checks in parallel, each under a timeout, aggregates them, and publishes
 * the result as the `healthy` tag (only when it changes) so other members' registries stop routing
 * here within a gossip round. Runs periodically between `start()` and `stop()`.
 */
export class HealthCheckService {
  private readonly options: ResolvedHealthOptions;
  private readonly checks = new Map<string, HealthCheck>();
  private readonly listeners = new Set<(report: HealthReport) => void>();
  private published: boolean | undefined;
  /** Each check's last verdict, so a failing check is logged when it starts failing, not every round. */
  private readonly lastVerdicts = new Map<string, boolean>();
  private report: HealthReport | undefined;
  private running = false;
  private cancelNext: CancelTimer | undefined;
  private currentRound: Promise<HealthReport> | undefined;

  /** Throws `RegistryConfigError` naming the field when an option is invalid. */
  constructor(options: HealthCheckServiceOptions) {
    this.options = resolveHealthOptions(options);
    for (const check of this.options.checks ?? [alwaysHealthy]) {
      this.register(check);
    }
  }

  /** The last completed round, if any. */
  get lastReport(): HealthReport | undefined {
    return this.report;
  }

  /** True between `start()` and `stop()`. */
  get started(): boolean {
    return this.running;
  }

  /** Adds a check (names are unique); returns a function that removes it again. */
  register(check: HealthCheck): () => void {
    if (this.checks.has(check.name)) {
      throw new RegistryConfigError(
        'checks',
        `a check named "${check.name}" is already registered`,
      );
    }
    this.checks.set(check.name, check);
    return () => {
      if (this.checks.get(check.name) === check) {
        this.checks.delete(check.name);
      }
    };
  }

  /** Calls `listener` after every round; returns the unsubscribe function. */
  onReport(listener: (report: HealthReport) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Runs one round now (joining a round already in progress) and publishes a changed result. */
  runOnce(): Promise<HealthReport> {
    if (this.currentRound === undefined) {
      this.currentRound = this.runRound().finally(() => {
        this.currentRound = undefined;
      });
    }
    return this.currentRound;
  }

  /** Runs a round now, then one every `intervalMs` after the previous ends. Idempotent. */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    void this.loop();
  }

  /** Stops scheduling rounds and waits for a round in progress to finish. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelNext?.();
    this.cancelNext = undefined;
    if (this.currentRound !== undefined) {
      await this.currentRound;
    }
  }

  private async loop(): Promise<void> {
    if (!this.running) {
      return;
    }
    await this.runOnce();
    if (!this.running) {
      return;
    }
    this.cancelNext = this.options.clock.setTimer(this.options.intervalMs, () => {
      this.cancelNext = undefined;
      void this.loop();
    });
  }

  private async runRound(): Promise<HealthReport> {
    const results = await Promise.all([...this.checks.values()].map((check) => this.run(check)));
    const report: HealthReport = Object.freeze({
      healthy: results.every((result) => result.status.healthy),
      checkedAt: this.options.clock.now(),
      results: Object.freeze(results),
    });
    this.report = report;
    this.publish(report.healthy);
    for (const listener of [...this.listeners]) {
      try {
        listener(report);
      } catch (error) {
        this.options.logger.error('health: report listener threw', { error: String(error) });
      }
    }
    return report;
  }

  private publish(healthy: boolean): void {
    if (this.published === healthy) {
      return;
    }
    try {
      this.options.publisher.setTag(HEALTHY_TAG, healthy ? 'true' : 'false');
      this.published = healthy;
    } catch (error) {
      // Left unpublished, so the next round tries again.
      this.options.logger.error('health: publishing the healthy tag failed', {
        error: String(error),
      });
    }
  }

  private run(check: HealthCheck): Promise<HealthCheckResult> {
    const { clock, timeoutMs, logger } = this.options;
    const startedAt = clock.now();
    return new Promise<HealthCheckResult>((resolve) => {
      let settled = false;
      const finish = (status: HealthStatus, timedOut: boolean): void => {
        if (settled) {
          return;
        }
        settled = true;
        cancelTimeout();
        const previous = this.lastVerdicts.get(check.name);
        this.lastVerdicts.set(check.name, status.healthy);
        if (!status.healthy && previous !== false) {
          logger.warn('health: check failed', { check: check.name, message: status.message });
        } else if (status.healthy && previous === false) {
          logger.info('health: check recovered', { check: check.name });
        }
        resolve({ name: check.name, status, durationMs: clock.now() - startedAt, timedOut });
      };
      const cancelTimeout = clock.setTimer(timeoutMs, () =>
        finish({ healthy: false, message: `timed out after ${timeoutMs} ms` }, true),
      );
      let pending: Promise<HealthStatus>;
      try {
        pending = Promise.resolve(check.check());
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (status) => finish(status, false),
        (error: unknown) =>
          finish(
            { healthy: false, message: error instanceof Error ? error.message : String(error) },
            false,
          ),
      );
    });
  }
}

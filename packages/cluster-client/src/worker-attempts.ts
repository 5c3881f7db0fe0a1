import type { EventListeners, Logger } from '@rpcnet/base';
import { type CallOptions, ErrorCode, RpcError } from '@rpcnet/core';
import { NodeState } from '@rpcnet/gossip';
import {
  InvalidFilterError,
  NoWorkersAvailableError,
  type Worker,
  type WorkerFilter,
  type WorkerLease,
} from '@rpcnet/registry';
import { adaptiveTimeoutMs } from './adaptive-timing.js';
import type { WorkerCallOptions } from './call-options.js';
import type { CallScope } from './call-scope.js';
import type { CallCounters } from './client-metrics.js';
import type { ResolvedClusterClientConfig } from './config.js';
import type { ConnectionLease, ConnectionPool } from './connection-pool.js';
import type { ClusterClientEvent } from './events.js';
import { classifyFailure, type FailureVerdict } from './failover-policy.js';
import type { LatencyWindows } from './latency-window.js';
import type { OutlierDetector } from './outlier-detector.js';
import type { RetryBudget } from './retry-budget.js';
import type { WorkerSource } from './worker-source.js';
import type { WorkerWatchers } from './worker-watchers.js';

/** One attempt on one worker: the registry lease and the pooled connection. */
export interface Attempt {
  readonly lease: WorkerLease;
  readonly worker: Worker;
  readonly startedAt: number;
  connection: ConnectionLease | undefined;
}

/** Why an attempt was given up, in `RpcError.details.reason`. */
export const ATTEMPT_TIMEOUT = 'attempt-timeout';

/** True when the client gave an attempt up at its attempt timeout. */
function isAttemptTimeout(error: RpcError): boolean {
  return error.code === ErrorCode.DEADLINE_EXCEEDED && error.details?.reason === ATTEMPT_TIMEOUT;
}

/** What the attempts of one client's calls share. */
export interface WorkerAttemptsParts {
  readonly source: WorkerSource;
  readonly pool: ConnectionPool;
  readonly config: ResolvedClusterClientConfig;
  readonly budget: RetryBudget;
  readonly outliers: OutlierDetector;
  readonly latency: LatencyWindows;
  readonly watchers: WorkerWatchers;
  readonly counters: CallCounters;
  readonly events: EventListeners<ClusterClientEvent>;
}

/**
 * Attempts on workers, for every call of one client: choosing the worker (past outlier
 * ejections), and releasing it afterwards with the accounting each outcome calls for in the
 * registry lease, the connection pool and outlier detection.
 */
export class WorkerAttempts {
  readonly pool: ConnectionPool;
  readonly config: ResolvedClusterClientConfig;
  readonly logger: Logger;
  readonly budget: RetryBudget;
  readonly latency: LatencyWindows;
  readonly watchers: WorkerWatchers;
  readonly counters: CallCounters;
  readonly events: EventListeners<ClusterClientEvent>;
  readonly #source: WorkerSource;
  readonly #outliers: OutlierDetector;

  constructor(parts: WorkerAttemptsParts) {
    this.pool = parts.pool;
    this.config = parts.config;
    this.logger = parts.config.logger;
    this.budget = parts.budget;
    this.latency = parts.latency;
    this.watchers = parts.watchers;
    this.counters = parts.counters;
    this.events = parts.events;
    this.#source = parts.source;
    this.#outliers = parts.outliers;
  }

  /** The fixed `attemptTimeoutMs`, else the adaptive one of `method`; `undefined` for none. */
  attemptTimeoutFor(method: string): number | undefined {
    return (
      this.config.attemptTimeoutMs ??
      adaptiveTimeoutMs(this.latency.of(method), this.config.adaptiveTimeout)
    );
  }

  /**
   * Chooses and acquires a worker, excluding `exclude` (workers this call already tried) and
   * those outlier detection ejected; when only ejected ones match `filter`, they are used anyway.
   * With `healthyOnly` neither ejected nor suspected workers are. Throws the registry's error when
   * none is left.
   */
  select(
    filter: WorkerFilter | undefined,
    exclude: readonly string[],
    healthyOnly = false,
  ): Attempt {
    let lease: WorkerLease | undefined;
    const ejected = [...this.#outliers.ejected()];
    if (healthyOnly) {
      for (const worker of this.#source.workers(filter)) {
        if (worker.state !== NodeState.Alive) ejected.push(worker.id);
      }
    }
    if (ejected.length > 0) {
      try {
        lease = this.#source.selectWorker(filter, { exclude: new Set([...exclude, ...ejected]) });
      } catch (error) {
        if (healthyOnly || !(error instanceof NoWorkersAvailableError)) throw error;
      }
    }
    lease ??= this.#source.selectWorker(filter, { exclude: new Set(exclude) });
    return {
      lease,
      worker: lease.worker,
      startedAt: this.config.clock.now(),
      connection: undefined,
    };
  }

  /** The call's error when {@link select} found no worker (or refused the filter). */
  selectionError(
    error: unknown,
    failedWorkers: readonly string[],
    lastError: RpcError | undefined,
  ): RpcError {
    if (error instanceof NoWorkersAvailableError) {
      this.counters.noWorkers += 1;
      const tried = failedWorkers.length;
      const message =
        tried === 0
          ? error.message
          : `${error.message}; ${tried} worker(s) failed: ${lastError?.message ?? 'unknown error'}`;
      return new RpcError(ErrorCode.UNAVAILABLE, message, {
        notProcessed: tried === 0 || lastError?.notProcessed === true,
        cause: error,
        details: {
          reason: 'no-workers',
          filter: error.filter,
          failedWorkers: failedWorkers.join(','),
          ...(lastError === undefined ? {} : { lastCode: lastError.code }),
        },
      });
    }
    if (error instanceof InvalidFilterError) {
      return new RpcError(ErrorCode.INVALID_ARGUMENT, error.message, {
        notProcessed: true,
        cause: error,
      });
    }
    return RpcError.from(error, ErrorCode.INTERNAL);
  }

  /** The options of one attempt's RPC: the call's deadline and metadata, ended by `signal`. */
  callOptions(options: WorkerCallOptions, scope: CallScope, signal: AbortSignal): CallOptions {
    return {
      signal,
      ...(Number.isFinite(scope.deadline) ? { deadline: scope.deadline } : {}),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    };
  }

  /** Releases an attempt that ended without a worker fault (or was abandoned by the caller). */
  end(attempt: Attempt, outcome: { cancelled?: boolean } = {}): void {
    attempt.connection?.release();
    if (!outcome.cancelled) this.#outliers.recordSuccess(attempt.worker.id);
    const latencyMs = this.config.clock.now() - attempt.startedAt;
    attempt.lease.release(outcome.cancelled ? { cancelled: true } : { latencyMs });
  }

  /** Releases a failed attempt and tells how its failure counts. */
  releaseFailed(
    attempt: Attempt,
    scope: CallScope,
    error: RpcError,
    idempotent: boolean,
  ): FailureVerdict {
    attempt.connection?.release(error);
    const latencyMs = this.config.clock.now() - attempt.startedAt;
    const verdict = classifyFailure(error, idempotent, isAttemptTimeout(error));
    if (scope.cancelledByCaller) {
      attempt.lease.release({ cancelled: true });
    } else {
      attempt.lease.release(verdict.workerFault ? { failed: true, latencyMs } : { latencyMs });
    }
    // The call's own deadline or cancellation says nothing about the worker.
    if (scope.reason === undefined) this.#recordOutcome(attempt.worker.id, verdict);
    return verdict;
  }

  /**
   * Feeds outlier detection. An ejected worker's connections leave the pool at once and close as
   * soon as their calls in flight end.
   */
  #recordOutcome(workerId: string, verdict: FailureVerdict): void {
    if (verdict.answered) {
      this.#outliers.recordSuccess(workerId);
    } else if (verdict.connectionFailure && this.#outliers.recordFailure(workerId)) {
      this.logger.info('cluster client: ejecting a failing worker', {
        workerId,
        forMs: this.#outliers.remainingMs(workerId),
      });
      // Not `immediate`: failing every call in flight at once would ask the retry budget for a
      // burst of retries it refuses; ending by their attempt timeouts spreads them out.
      this.pool.remove(workerId, { immediate: false });
    }
  }
}

import { type CallOptions, ErrorCode, type Logger, RpcError } from '@rpcnet/core';
import {
  InvalidFilterError,
  NoWorkersAvailableError,
  type Worker,
  type WorkerEvent,
  type WorkerFilter,
  type WorkerLease,
} from '@rpcnet/registry';
import type {
  WorkerCallOptions,
  WorkerCallResult,
  WorkerStreamMessage,
  WorkerStreamOptions,
} from './call-options.js';
import { CallScope } from './call-scope.js';
import {
  type ClusterClientConfig,
  type ResolvedClusterClientConfig,
  resolveClusterClientConfig,
} from './config.js';
import { type ConnectionLease, ConnectionPool } from './connection-pool.js';
import { classifyFailure, type FailureVerdict, toRpcError } from './failover-policy.js';
import { OutlierDetector } from './outlier-detector.js';
import { RetryBudget } from './retry-budget.js';
import { quicConnector } from './worker-connection.js';
import type { WorkerSource } from './worker-source.js';

/** Counters of a {@link ClusterClient}, as a snapshot. */
export interface ClusterClientMetrics {
  /** Calls started (unary and streaming). */
  readonly calls: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Attempts made on another worker after a failure (resumes of streams included). */
  readonly retries: number;
  /** Retries refused because the retry budget was spent. */
  readonly retriesDenied: number;
  /** Streams continued on another worker after messages had been received. */
  readonly resumes: number;
  /** Calls that ended because no worker was left to try. */
  readonly noWorkers: number;
  /** Workers ejected by outlier detection (each ejection counted). */
  readonly ejections: number;
}

/** One attempt on one worker: the registry lease and the pooled connection. */
interface Attempt {
  readonly lease: WorkerLease;
  readonly worker: Worker;
  readonly startedAt: number;
  /** Deadline of this attempt: the call's, or earlier with `attemptTimeoutMs`. */
  readonly deadline: number;
  connection: ConnectionLease | undefined;
}

/**
 * Calls workers chosen by a worker registry: over pooled connections, with deadlines,
 * cancellation, failover to another worker and exact load accounting in the registry.
 *
 * ```ts
 * const client = new ClusterClient(registry, { tls: { ca } });
 * const reply = await client.callWorker('compute', data, 'role=worker', { timeoutMs: 2000 });
 * ```
 */
export class ClusterClient {
  /** The connections to workers. */
  readonly pool: ConnectionPool;
  readonly #source: WorkerSource;
  readonly #config: ResolvedClusterClientConfig;
  readonly #logger: Logger;
  readonly #budget: RetryBudget;
  readonly #outliers: OutlierDetector;
  readonly #unsubscribe: () => void;
  #closed = false;
  #calls = 0;
  #succeeded = 0;
  #failed = 0;
  #retries = 0;
  #retriesDenied = 0;
  #resumes = 0;
  #noWorkers = 0;

  /** Throws `ClusterClientConfigError` naming the field when an option is invalid. */
  constructor(registry: WorkerSource, config: ClusterClientConfig = {}) {
    this.#source = registry;
    this.#config = resolveClusterClientConfig(config);
    this.#logger = this.#config.logger;
    this.#budget = new RetryBudget(this.#config.retryBudget, this.#config.clock);
    this.#outliers = new OutlierDetector(
      this.#config.outlierDetection,
      this.#config.clock,
      () => registry.workers().length,
    );
    this.pool = new ConnectionPool({
      connect:
        this.#config.connect ??
        quicConnector({
          tls: this.#config.tls,
          quic: this.#config.quic,
          connectTimeoutMs: this.#config.connectTimeoutMs,
          logger: this.#logger,
        }),
      maxConnectionsPerWorker: this.#config.maxConnectionsPerWorker,
      reconnect: this.#config.reconnect,
      clock: this.#config.clock,
      random: this.#config.random,
      logger: this.#logger,
    });
    this.#unsubscribe = registry.onEvent((event) => this.#onWorkerEvent(event));
  }

  /** A snapshot of the client's counters. */
  get metrics(): ClusterClientMetrics {
    return {
      calls: this.#calls,
      succeeded: this.#succeeded,
      failed: this.#failed,
      retries: this.#retries,
      retriesDenied: this.#retriesDenied,
      resumes: this.#resumes,
      noWorkers: this.#noWorkers,
      ejections: this.#outliers.ejections,
    };
  }

  /** Ids of the workers outlier detection currently leaves out of this client's selection. */
  get ejectedWorkers(): readonly string[] {
    return this.#outliers.ejected();
  }

  /** Retry tokens left in the budget. */
  get retryTokens(): number {
    return this.#budget.tokens;
  }

  /**
   * Calls a unary method on a worker matching `filter` (e.g. `'role=worker'`), failing over to
   * another worker when its worker dies or is unreachable. Rejects with an {@link RpcError}:
   * UNAVAILABLE with `details.reason = 'no-workers'` when no worker is left to try.
   */
  async callWorker(
    method: string,
    payload: Uint8Array,
    filter?: WorkerFilter,
    options: WorkerCallOptions = {},
  ): Promise<Uint8Array> {
    return (await this.callWorkerDetailed(method, payload, filter, options)).response;
  }

  /** Like {@link callWorker}, also telling which worker served the call and after how many attempts. */
  async callWorkerDetailed(
    method: string,
    payload: Uint8Array,
    filter?: WorkerFilter,
    options: WorkerCallOptions = {},
  ): Promise<WorkerCallResult> {
    const scope = this.#startCall(options, this.#config.defaultTimeoutMs);
    const idempotent = options.idempotent ?? this.#config.idempotent;
    const maxAttempts = options.maxAttempts ?? this.#config.maxAttempts;
    const failedWorkers: string[] = [];
    let lastError: RpcError | undefined;
    try {
      for (let attempts = 1; ; attempts += 1) {
        scope.throwIfEnded();
        const attempt = this.#select(filter, failedWorkers, lastError, true);
        try {
          attempt.connection = await this.#acquire(attempt, scope);
          const response = await attempt.connection.connection.unary(
            method,
            payload,
            this.#callOptions(options, scope, attempt),
          );
          this.#endAttempt(attempt);
          this.#succeeded += 1;
          return { response, workerId: attempt.worker.id, attempts, failedWorkers };
        } catch (thrown) {
          const error = scope.reason ?? toRpcError(thrown);
          lastError = error;
          const retry = this.#failAttempt(attempt, scope, error, idempotent, attempts, maxAttempts);
          if (!retry) throw error;
          failedWorkers.push(attempt.worker.id);
        }
      }
    } catch (error) {
      this.#failed += 1;
      throw error;
    } finally {
      scope.dispose();
    }
  }

  /**
   * Calls a server-streaming method on a worker matching `filter` and yields each message with
   * the worker that sent it. Before any message arrives, a failed worker is replaced like in
   * {@link callWorker}; after, the stream resumes on another worker only through
   * `options.resume`. Ending the iteration early cancels the call.
   */
  streamWorker(
    method: string,
    payload: Uint8Array,
    filter?: WorkerFilter,
    options: WorkerStreamOptions = {},
  ): AsyncIterable<WorkerStreamMessage> {
    return { [Symbol.asyncIterator]: () => this.#stream(method, payload, filter, options) };
  }

  /** Stops following the registry and closes every pooled connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    await this.pool.close();
  }

  async *#stream(
    method: string,
    payload: Uint8Array,
    filter: WorkerFilter | undefined,
    options: WorkerStreamOptions,
  ): AsyncGenerator<WorkerStreamMessage, void, undefined> {
    const scope = this.#startCall(options, this.#config.defaultStreamTimeoutMs);
    const idempotent = options.idempotent ?? this.#config.idempotent;
    const maxAttempts = options.maxAttempts ?? this.#config.maxAttempts;
    const failedWorkers: string[] = [];
    let request = payload;
    let part = 0;
    let index = 0;
    let lastError: RpcError | undefined;
    let attempt: Attempt | undefined;
    let outcome: 'succeeded' | 'failed' | undefined;
    try {
      for (let attempts = 1; ; attempts += 1) {
        scope.throwIfEnded();
        // A stream's length is open-ended, so the per-attempt timeout does not apply to it.
        const current = this.#select(filter, failedWorkers, lastError, false);
        attempt = current;
        let receivedHere = 0;
        // Aborted on its own when the stream goes idle, so only this attempt is cancelled.
        const attemptAbort = new AbortController();
        try {
          current.connection = await this.pool.acquire(current.worker, scope.signal);
          const responses = current.connection.connection.serverStream(
            method,
            request,
            this.#callOptions(
              options,
              scope,
              current,
              AbortSignal.any([scope.signal, attemptAbort.signal]),
            ),
          );
          const iterator = responses[Symbol.asyncIterator]();
          // 'waiting' while a message is awaited, 'yielded' while the consumer holds one.
          let position: 'waiting' | 'yielded' | 'ended' = 'waiting';
          try {
            for (;;) {
              position = 'waiting';
              const next = await this.#nextMessage(iterator, attemptAbort);
              if (next.done) break;
              receivedHere += 1;
              position = 'yielded';
              yield { message: next.value, workerId: current.worker.id, part, index };
              index += 1;
            }
            position = 'ended';
          } finally {
            // The consumer stopped early: end the response stream like `for await` would.
            if (position === 'yielded') await iterator.return?.().catch(() => undefined);
          }
          attempt = undefined;
          this.#endAttempt(current);
          outcome = 'succeeded';
          return;
        } catch (thrown) {
          // The idle abort makes the call fail as CANCELLED; the idle error is the real cause.
          const idle = attemptAbort.signal.aborted
            ? toRpcError(attemptAbort.signal.reason)
            : undefined;
          const error = scope.reason ?? idle ?? toRpcError(thrown);
          lastError = error;
          const failed = current;
          attempt = undefined;
          // After messages were delivered the handler surely ran: only `resume` may continue.
          const resume = receivedHere > 0 ? options.resume : undefined;
          if (receivedHere > 0 && resume === undefined) {
            this.#failAttempt(failed, scope, error, idempotent, attempts, 0);
            throw error;
          }
          const retry = this.#failAttempt(
            failed,
            scope,
            error,
            receivedHere > 0 || idempotent,
            attempts,
            maxAttempts,
          );
          if (!retry) throw error;
          failedWorkers.push(failed.worker.id);
          if (resume !== undefined) {
            const next = resume({
              originalRequest: payload,
              lastRequest: request,
              messagesReceived: index,
              failedWorkerId: failed.worker.id,
              error,
            });
            if (next === undefined) throw error;
            request = next;
            part += 1;
            this.#resumes += 1;
          }
        }
      }
    } finally {
      // Reached with an attempt still open only when the consumer stopped iterating early.
      if (attempt !== undefined) this.#endAttempt(attempt, { cancelled: true });
      if (outcome === 'succeeded') this.#succeeded += 1;
      else this.#failed += 1;
      scope.dispose();
    }
  }

  #startCall(options: WorkerCallOptions, defaultTimeoutMs: number | undefined): CallScope {
    if (this.#closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the cluster client is closed', {
        notProcessed: true,
      });
    }
    this.#calls += 1;
    this.#budget.deposit();
    return new CallScope(this.#config.clock, options, defaultTimeoutMs);
  }

  /**
   * Chooses and acquires a worker, excluding those that already failed this call and those
   * outlier detection ejected; when only ejected ones match `filter`, they are used anyway.
   */
  #select(
    filter: WorkerFilter | undefined,
    failedWorkers: readonly string[],
    lastError: RpcError | undefined,
    timed: boolean,
  ): Attempt {
    let lease: WorkerLease | undefined;
    try {
      const ejected = this.#outliers.ejected();
      if (ejected.length > 0) {
        try {
          lease = this.#source.selectWorker(filter, {
            exclude: new Set([...failedWorkers, ...ejected]),
          });
        } catch (error) {
          if (!(error instanceof NoWorkersAvailableError)) throw error;
        }
      }
      lease ??= this.#source.selectWorker(filter, { exclude: new Set(failedWorkers) });
    } catch (error) {
      throw this.#selectionError(error, failedWorkers, lastError);
    }
    const now = this.#config.clock.now();
    const attemptTimeoutMs = timed ? this.#config.attemptTimeoutMs : undefined;
    return {
      lease,
      worker: lease.worker,
      startedAt: now,
      deadline: attemptTimeoutMs === undefined ? Number.POSITIVE_INFINITY : now + attemptTimeoutMs,
      connection: undefined,
    };
  }

  #selectionError(
    error: unknown,
    failedWorkers: readonly string[],
    lastError: RpcError | undefined,
  ): RpcError {
    if (error instanceof NoWorkersAvailableError) {
      this.#noWorkers += 1;
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

  /**
   * A pooled connection for a unary attempt, given up at the attempt's deadline (a dial to a
   * worker that vanished can hang until the connect timeout) as a retryable attempt timeout.
   */
  async #acquire(attempt: Attempt, scope: CallScope): Promise<ConnectionLease> {
    const now = this.#config.clock.now();
    if (attempt.deadline >= scope.deadline) return this.pool.acquire(attempt.worker, scope.signal);
    const attemptAbort = new AbortController();
    const cancelTimer = this.#config.clock.setTimer(attempt.deadline - now, () =>
      attemptAbort.abort(
        new RpcError(
          ErrorCode.DEADLINE_EXCEEDED,
          `no connection to worker ${attempt.worker.id} within the attempt timeout`,
          { notProcessed: true, details: { workerId: attempt.worker.id, reason: 'connect' } },
        ),
      ),
    );
    try {
      return await this.pool.acquire(
        attempt.worker,
        AbortSignal.any([scope.signal, attemptAbort.signal]),
      );
    } finally {
      cancelTimer();
    }
  }

  #callOptions(
    options: WorkerCallOptions,
    scope: CallScope,
    attempt: Attempt,
    signal: AbortSignal = scope.signal,
  ): CallOptions {
    const deadline = Math.min(scope.deadline, attempt.deadline);
    return {
      signal,
      ...(Number.isFinite(deadline) ? { deadline } : {}),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    };
  }

  /**
   * The stream's next message; with `streamIdleTimeoutMs`, fails with UNAVAILABLE (and cancels
   * the attempt through `attemptAbort`) when none arrives in time.
   */
  async #nextMessage(
    iterator: AsyncIterator<Uint8Array>,
    attemptAbort: AbortController,
  ): Promise<IteratorResult<Uint8Array>> {
    const idleMs = this.#config.streamIdleTimeoutMs;
    if (idleMs === undefined) return iterator.next();
    let cancelTimer: () => void = () => undefined;
    const idle = new Promise<never>((_, reject) => {
      cancelTimer = this.#config.clock.setTimer(idleMs, () => {
        const error = new RpcError(
          ErrorCode.UNAVAILABLE,
          `no message from the worker within ${idleMs} ms`,
          { details: { reason: 'stream-idle' } },
        );
        reject(error);
        attemptAbort.abort(error);
      });
    });
    try {
      return await Promise.race([iterator.next(), idle]);
    } finally {
      cancelTimer();
    }
  }

  /** Releases an attempt that ended without a worker fault (or was abandoned by the caller). */
  #endAttempt(attempt: Attempt, outcome: { cancelled?: boolean } = {}): void {
    attempt.connection?.release();
    if (!outcome.cancelled) this.#outliers.recordSuccess(attempt.worker.id);
    const latencyMs = this.#config.clock.now() - attempt.startedAt;
    attempt.lease.release(outcome.cancelled ? { cancelled: true } : { latencyMs });
  }

  /** Releases a failed attempt and decides whether the call goes on to another worker. */
  #failAttempt(
    attempt: Attempt,
    scope: CallScope,
    error: RpcError,
    idempotent: boolean,
    attempts: number,
    maxAttempts: number,
  ): boolean {
    attempt.connection?.release(error);
    const latencyMs = this.#config.clock.now() - attempt.startedAt;
    const attemptTimedOut =
      scope.reason === undefined &&
      error.code === ErrorCode.DEADLINE_EXCEEDED &&
      attempt.deadline < scope.deadline;
    const verdict = classifyFailure(error, idempotent, attemptTimedOut);
    if (scope.cancelledByCaller) {
      attempt.lease.release({ cancelled: true });
    } else {
      attempt.lease.release(verdict.workerFault ? { failed: true, latencyMs } : { latencyMs });
    }
    // The call's own deadline or cancellation says nothing about the worker.
    if (scope.reason === undefined) this.#recordOutcome(attempt.worker.id, verdict);
    if (!verdict.retryable || attempts >= maxAttempts || scope.reason !== undefined) return false;
    if (!error.notProcessed && !this.#budget.tryWithdraw()) {
      this.#retriesDenied += 1;
      this.#logger.debug('cluster client: retry budget spent', { workerId: attempt.worker.id });
      return false;
    }
    this.#retries += 1;
    this.#logger.debug('cluster client: failing over', {
      workerId: attempt.worker.id,
      code: error.code,
      notProcessed: error.notProcessed,
    });
    return true;
  }

  /**
   * Feeds outlier detection. An ejected worker's connections leave the pool at once and close as
   * soon as their calls in flight end.
   */
  #recordOutcome(workerId: string, verdict: FailureVerdict): void {
    if (verdict.answered) {
      this.#outliers.recordSuccess(workerId);
    } else if (verdict.connectionFailure && this.#outliers.recordFailure(workerId)) {
      this.#logger.info('cluster client: ejecting a failing worker', {
        workerId,
        forMs: this.#outliers.remainingMs(workerId),
      });
      // Not `immediate`: failing every call in flight at once would ask the retry budget for a
      // burst of retries it refuses; ending by their attempt timeouts spreads them out.
      this.pool.remove(workerId, { immediate: false });
    }
  }

  #onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'WorkerRemoved') {
      this.#outliers.forget(event.worker.id);
      // A failed worker's connections are dead weight; others may still finish their calls.
      this.pool.remove(event.worker.id, { immediate: event.reason === 'failed' });
    }
  }
}

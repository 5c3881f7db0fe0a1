import { EventListeners, type EventOf, type Logger, type Unsubscribe } from '@rpcnet/base';
import { type CallOptions, ErrorCode, RpcError } from '@rpcnet/core';
import { NodeState } from '@rpcnet/gossip';
import {
  InvalidFilterError,
  NoWorkersAvailableError,
  type Worker,
  type WorkerEvent,
  type WorkerFilter,
  type WorkerLease,
} from '@rpcnet/registry';
import { adaptiveTimeoutMs, hedgeDelayMs } from './adaptive-timing.js';
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
import type { ClusterClientEvent } from './events.js';
import { classifyFailure, type FailureVerdict, toRpcError } from './failover-policy.js';
import { type LatencyWindow, LatencyWindows } from './latency-window.js';
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
  /** Hedged attempts: sent while an earlier attempt of the call was still running. */
  readonly hedges: number;
  /** Attempts given up at their attempt timeout (fixed or adaptive) for another worker. */
  readonly attemptTimeouts: number;
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
  connection: ConnectionLease | undefined;
}

/** A unary attempt racing with the call's others: it can be given up or lose the race. */
interface RunningAttempt extends Attempt {
  readonly controller: AbortController;
  /** Why the client gave the attempt up (timeout, worker failed, another attempt won). */
  givenUp: RpcError | undefined;
  /** Stops its timers and its membership watch. */
  dispose: () => void;
}

/** What a call running on a worker does when membership turns against that worker. */
interface WorkerWatcher {
  /** The worker is suspected (it may still answer). */
  suspect(): void;
  /** The worker was declared failed. */
  failed(): void;
}

/** Why an attempt was given up, in `RpcError.details.reason`. */
const ATTEMPT_TIMEOUT = 'attempt-timeout';

/** True when the client gave an attempt up at its attempt timeout. */
function isAttemptTimeout(error: RpcError): boolean {
  return error.code === ErrorCode.DEADLINE_EXCEEDED && error.details?.reason === ATTEMPT_TIMEOUT;
}

/**
 * Calls workers chosen by a worker registry: over pooled connections, with deadlines,
 * cancellation, failover to another worker and exact load accounting in the registry.
 *
 * With default options a worker that dies or freezes costs no idempotent call: an attempt
 * unanswered past its method's adaptive timeout, or whose worker membership suspects or declares
 * failed, is taken over by another worker within the call's deadline.
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
  readonly #latency = new LatencyWindows();
  readonly #watchers = new Map<string, Set<WorkerWatcher>>();
  readonly #unsubscribe: () => void;
  readonly #events: EventListeners<ClusterClientEvent>;
  #closed = false;
  #calls = 0;
  #succeeded = 0;
  #failed = 0;
  #retries = 0;
  #retriesDenied = 0;
  #hedges = 0;
  #attemptTimeouts = 0;
  #resumes = 0;
  #noWorkers = 0;

  /** Throws `ClusterClientConfigError` naming the field when an option is invalid. */
  constructor(registry: WorkerSource, config: ClusterClientConfig = {}) {
    if (
      typeof registry !== 'object' ||
      registry === null ||
      typeof registry.workers !== 'function' ||
      typeof registry.onEvent !== 'function'
    ) {
      throw new TypeError(
        `ClusterClient: the first argument must be a worker source such as a WorkerRegistry (with workers() and onEvent()), got ${String(registry)}`,
      );
    }
    this.#source = registry;
    this.#config = resolveClusterClientConfig(config);
    this.#logger = this.#config.logger;
    this.#events = new EventListeners((error, event) =>
      this.#logger.warn('cluster client: event listener failed', {
        event: event.type,
        error: String(error),
      }),
    );
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
          interceptors: this.#config.interceptors,
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
      hedges: this.#hedges,
      attemptTimeouts: this.#attemptTimeouts,
      resumes: this.#resumes,
      noWorkers: this.#noWorkers,
      ejections: this.#outliers.ejections,
    };
  }

  /** Calls `listener` for events of `type` (failovers, hedges, stream resumes) until unsubscribed. */
  on<T extends ClusterClientEvent['type']>(
    type: T,
    listener: (event: EventOf<ClusterClientEvent, T>) => void,
  ): Unsubscribe {
    return this.#events.on(type, listener);
  }

  /** Calls `listener` for every event until unsubscribed. */
  onEvent(listener: (event: ClusterClientEvent) => void): Unsubscribe {
    return this.#events.onEvent(listener);
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
   * The attempt timeout a unary call of `method` would get now, in ms: the fixed
   * `attemptTimeoutMs`, else the adaptive one; `undefined` for none.
   */
  attemptTimeoutFor(method: string): number | undefined {
    return (
      this.#config.attemptTimeoutMs ??
      adaptiveTimeoutMs(this.#latency.of(method), this.#config.adaptiveTimeout)
    );
  }

  /**
   * Calls a unary method on a worker matching `filter` (e.g. `'role=worker'`), failing over to
   * another worker when its worker dies, freezes or is unreachable. Rejects with an
   * {@link RpcError}: UNAVAILABLE with `details.reason = 'no-workers'` when no worker is left.
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
    try {
      const result = await this.#unary(method, payload, filter, options, scope);
      this.#succeeded += 1;
      return result;
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

  /**
   * Runs a unary call's attempts. Usually one; another starts when an attempt fails over, runs
   * past its attempt timeout, is hedged, or its worker is suspected. The first answer wins and
   * the attempts still running are cancelled.
   */
  #unary(
    method: string,
    payload: Uint8Array,
    filter: WorkerFilter | undefined,
    options: WorkerCallOptions,
    scope: CallScope,
  ): Promise<WorkerCallResult> {
    scope.throwIfEnded();
    const idempotent = options.idempotent ?? this.#config.idempotent;
    const maxAttempts = options.maxAttempts ?? this.#config.maxAttempts;
    const window = this.#latency.of(method);
    const clock = this.#config.clock;
    const failedWorkers: string[] = [];
    const running = new Set<RunningAttempt>();
    let attempts = 0;
    let lastError: RpcError | undefined;
    let settled = false;

    return new Promise<WorkerCallResult>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        const lost = new RpcError(ErrorCode.CANCELLED, 'another attempt of the call answered', {
          details: { reason: 'hedge-lost' },
        });
        for (const other of running) giveUp(other, lost);
        outcome();
      };

      const giveUp = (attempt: RunningAttempt, reason: RpcError): void => {
        if (attempt.givenUp !== undefined) return;
        attempt.givenUp = reason;
        attempt.controller.abort(reason);
      };

      /**
       * Starts another attempt unless the call may not run again: `free` when the request
       * surely reached no handler (no idempotency or budget needed). Returns whether it started.
       */
      const launch = (
        kind: 'first' | 'failover' | 'hedge',
        free: boolean,
        left?: { workerId: string; code: ErrorCode },
      ): boolean => {
        if (settled || scope.reason !== undefined || attempts >= maxAttempts) return false;
        if (!free && !idempotent) return false;
        const exclude = [...failedWorkers, ...[...running].map((attempt) => attempt.worker.id)];
        let attempt: Attempt;
        try {
          // A hedge is worth sending only to a healthy worker.
          attempt = this.#select(filter, exclude, kind === 'hedge');
        } catch (error) {
          if (running.size === 0) {
            settle(() => reject(this.#selectionError(error, failedWorkers, lastError)));
          }
          return false;
        }
        // Hedges leave half the bucket to the retries of calls whose worker is lost.
        const reserve = kind === 'hedge' ? this.#config.retryBudget.maxTokens / 2 : 0;
        if (kind !== 'first' && !free && !this.#budget.tryWithdraw(reserve)) {
          attempt.lease.release({ cancelled: true });
          if (kind === 'failover') this.#retriesDenied += 1;
          this.#logger.debug('cluster client: retry budget spent', { kind, method });
          return false;
        }
        attempts += 1;
        if (kind === 'failover') this.#retries += 1;
        if (kind === 'hedge') this.#hedges += 1;
        if (kind !== 'first' && this.#events.size > 0) {
          const workerId = attempt.worker.id;
          this.#events.emit(
            kind === 'hedge'
              ? { type: 'Hedge', method, attempt: attempts, workerId }
              : {
                  type: 'Failover',
                  method,
                  attempt: attempts,
                  workerId,
                  previousWorkerId: left?.workerId,
                  code: left?.code,
                },
          );
        }
        start(attempt);
        return true;
      };

      const start = (attempt: Attempt): void => {
        const controller = new AbortController();
        const cancels: Array<() => void> = [];
        const current: RunningAttempt = {
          ...attempt,
          controller,
          givenUp: undefined,
          dispose: () => {
            for (const cancel of cancels.splice(0)) cancel();
          },
        };
        running.add(current);
        const workerId = attempt.worker.id;
        cancels.push(
          this.#watch(workerId, {
            suspect: () => {
              launch('hedge', false);
            },
            failed: () =>
              giveUp(
                current,
                new RpcError(ErrorCode.UNAVAILABLE, `worker ${workerId} was declared failed`, {
                  details: { workerId, reason: 'worker-failed' },
                }),
              ),
          }),
        );
        const timeoutMs = this.attemptTimeoutFor(method);
        if (timeoutMs !== undefined) {
          cancels.push(clock.setTimer(timeoutMs, () => onAttemptTimeout(current, timeoutMs)));
        }
        const hedgeMs = idempotent ? hedgeDelayMs(window, this.#config.hedging) : undefined;
        if (hedgeMs !== undefined && hedgeMs < (timeoutMs ?? Number.POSITIVE_INFINITY)) {
          cancels.push(clock.setTimer(hedgeMs, () => launch('hedge', false)));
        }
        const signal = AbortSignal.any([scope.signal, controller.signal]);
        this.#runUnary(current, method, payload, options, scope, signal).then(
          (response) => onSuccess(current, response),
          (thrown: unknown) => onFailure(current, thrown),
        );
      };

      const onAttemptTimeout = (attempt: RunningAttempt, timeoutMs: number): void => {
        // Checked again after one turn of the event loop: when this process stalled, the timer
        // and the answer are both due, and the answer must be read before the worker is blamed.
        clock.setTimer(0, () => {
          if (settled || !running.has(attempt) || attempt.givenUp !== undefined) return;
          const dialing = attempt.connection === undefined;
          const workerId = attempt.worker.id;
          // Another attempt first; without one the slow attempt is still the call's best chance.
          if (!launch('failover', dialing, { workerId, code: ErrorCode.DEADLINE_EXCEEDED })) return;
          this.#attemptTimeouts += 1;
          giveUp(
            attempt,
            new RpcError(
              ErrorCode.DEADLINE_EXCEEDED,
              `worker ${workerId} did not answer within the attempt timeout (${Math.round(timeoutMs)} ms)`,
              { notProcessed: dialing, details: { workerId, reason: ATTEMPT_TIMEOUT } },
            ),
          );
        });
      };

      const onSuccess = (attempt: RunningAttempt, response: Uint8Array): void => {
        running.delete(attempt);
        attempt.dispose();
        window.record(clock.now() - attempt.startedAt);
        this.#endAttempt(attempt);
        settle(() => resolve({ response, workerId: attempt.worker.id, attempts, failedWorkers }));
      };

      const onFailure = (attempt: RunningAttempt, thrown: unknown): void => {
        running.delete(attempt);
        attempt.dispose();
        const error = attempt.givenUp ?? scope.reason ?? toRpcError(thrown);
        if (attempt.givenUp?.code === ErrorCode.CANCELLED) {
          this.#endAttempt(attempt, { cancelled: true });
          return;
        }
        const verdict = this.#releaseFailed(attempt, scope, error, idempotent);
        // Attempts given up are not sampled: a dead worker would inflate the estimate. A method
        // that got slower still teaches it through the attempts that may not be given up.
        if (verdict.answered) window.record(clock.now() - attempt.startedAt);
        if (settled) return;
        if (scope.reason !== undefined) {
          if (running.size === 0) settle(() => reject(scope.reason));
          return;
        }
        if (!verdict.retryable) {
          settle(() => reject(error));
          return;
        }
        failedWorkers.push(attempt.worker.id);
        lastError = error;
        // Given up at its timeout: its replacement already runs.
        if (running.size > 0) return;
        const left = { workerId: attempt.worker.id, code: error.code };
        if (!launch('failover', error.notProcessed, left) && !settled) settle(() => reject(error));
      };

      launch('first', true);
    });
  }

  /** One unary attempt: a pooled connection, then the call, both ended by `signal`. */
  async #runUnary(
    attempt: RunningAttempt,
    method: string,
    payload: Uint8Array,
    options: WorkerCallOptions,
    scope: CallScope,
    signal: AbortSignal,
  ): Promise<Uint8Array> {
    attempt.connection = await this.pool.acquire(attempt.worker, signal);
    return attempt.connection.connection.unary(
      method,
      payload,
      this.#callOptions(options, scope, signal),
    );
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
    const gaps = this.#latency.of(`${method}\u0000stream`);
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
        let current: Attempt;
        try {
          current = this.#select(filter, failedWorkers);
        } catch (error) {
          throw this.#selectionError(error, failedWorkers, lastError);
        }
        attempt = current;
        if (attempts > 1 && this.#events.size > 0) {
          this.#events.emit({
            type: 'Failover',
            method,
            attempt: attempts,
            workerId: current.worker.id,
            previousWorkerId: failedWorkers.at(-1),
            code: lastError?.code,
          });
        }
        let receivedHere = 0;
        // Whether losing this worker now could go on elsewhere: only then is it given up early.
        const mayGoOn = (): boolean =>
          attempts < maxAttempts &&
          (receivedHere > 0 ? options.resume !== undefined : idempotent) &&
          this.#budget.tokens >= 1;
        // Aborted when the stream goes idle or its worker is lost, so only this attempt ends.
        const attemptAbort = new AbortController();
        const workerId = current.worker.id;
        const lose = (reason: string, message: string): void =>
          attemptAbort.abort(
            new RpcError(ErrorCode.UNAVAILABLE, message, { details: { workerId, reason } }),
          );
        const unwatch = this.#watch(workerId, {
          suspect: () => {
            if (mayGoOn()) lose('worker-suspect', `worker ${workerId} is suspected`);
          },
          failed: () => lose('worker-failed', `worker ${workerId} was declared failed`),
        });
        try {
          current.connection = await this.pool.acquire(current.worker, scope.signal);
          const responses = current.connection.connection.serverStream(
            method,
            request,
            this.#callOptions(options, scope, AbortSignal.any([scope.signal, attemptAbort.signal])),
          );
          const iterator = responses[Symbol.asyncIterator]();
          // 'waiting' while a message is awaited, 'yielded' while the consumer holds one.
          let position: 'waiting' | 'yielded' | 'ended' = 'waiting';
          try {
            for (;;) {
              position = 'waiting';
              const waitStart = this.#config.clock.now();
              const next = await this.#nextMessage(iterator, attemptAbort, gaps, mayGoOn);
              if (next.done) break;
              gaps.record(this.#config.clock.now() - waitStart);
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
          // The abort makes the call fail as CANCELLED; the idle or lost worker is the real cause.
          const lost = attemptAbort.signal.aborted
            ? toRpcError(attemptAbort.signal.reason)
            : undefined;
          const error = scope.reason ?? lost ?? toRpcError(thrown);
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
            this.#events.emit({
              type: 'StreamResumed',
              method,
              failedWorkerId: failed.worker.id,
              messagesReceived: index,
              part,
            });
          }
        } finally {
          unwatch();
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
   * Chooses and acquires a worker, excluding `exclude` (workers this call already tried) and
   * those outlier detection ejected; when only ejected ones match `filter`, they are used anyway.
   * With `healthyOnly` neither ejected nor suspected workers are. Throws the registry's error when
   * none is left.
   */
  #select(
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
      startedAt: this.#config.clock.now(),
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

  #callOptions(options: WorkerCallOptions, scope: CallScope, signal: AbortSignal): CallOptions {
    return {
      signal,
      ...(Number.isFinite(scope.deadline) ? { deadline: scope.deadline } : {}),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    };
  }

  /**
   * The stream's next message. Past `streamIdleTimeoutMs`, or the adaptive bound on the gaps
   * between messages while the stream could go on elsewhere (`mayGoOn`), fails with UNAVAILABLE
   * and cancels the attempt through `attemptAbort`.
   */
  async #nextMessage(
    iterator: AsyncIterator<Uint8Array>,
    attemptAbort: AbortController,
    gaps: LatencyWindow,
    mayGoOn: () => boolean,
  ): Promise<IteratorResult<Uint8Array>> {
    const fixedMs = this.#config.streamIdleTimeoutMs;
    const idleMs =
      fixedMs ?? (mayGoOn() ? adaptiveTimeoutMs(gaps, this.#config.adaptiveTimeout) : undefined);
    let cancelTimer: () => void = () => undefined;
    let onLost: () => void = () => undefined;
    // Rejects on the idle bound, and when the worker is lost (membership) even without one.
    const ended = new Promise<never>((_, reject) => {
      onLost = () => reject(attemptAbort.signal.reason);
      attemptAbort.signal.addEventListener('abort', onLost, { once: true });
      if (idleMs === undefined) return;
      cancelTimer = this.#config.clock.setTimer(idleMs, () => {
        // An adaptive bound only ends a stream that can go on; a fixed one always does.
        if (fixedMs === undefined && !mayGoOn()) return;
        attemptAbort.abort(
          new RpcError(
            ErrorCode.UNAVAILABLE,
            `no message from the worker within ${Math.round(idleMs)} ms`,
            { details: { reason: 'stream-idle' } },
          ),
        );
      });
    });
    ended.catch(() => undefined);
    try {
      return await Promise.race([iterator.next(), ended]);
    } finally {
      cancelTimer();
      attemptAbort.signal.removeEventListener('abort', onLost);
    }
  }

  /** Releases an attempt that ended without a worker fault (or was abandoned by the caller). */
  #endAttempt(attempt: Attempt, outcome: { cancelled?: boolean } = {}): void {
    attempt.connection?.release();
    if (!outcome.cancelled) this.#outliers.recordSuccess(attempt.worker.id);
    const latencyMs = this.#config.clock.now() - attempt.startedAt;
    attempt.lease.release(outcome.cancelled ? { cancelled: true } : { latencyMs });
  }

  /** Releases a failed attempt and tells how its failure counts. */
  #releaseFailed(
    attempt: Attempt,
    scope: CallScope,
    error: RpcError,
    idempotent: boolean,
  ): FailureVerdict {
    attempt.connection?.release(error);
    const latencyMs = this.#config.clock.now() - attempt.startedAt;
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

  /** Releases a failed stream attempt and decides whether the call goes on to another worker. */
  #failAttempt(
    attempt: Attempt,
    scope: CallScope,
    error: RpcError,
    idempotent: boolean,
    attempts: number,
    maxAttempts: number,
  ): boolean {
    const verdict = this.#releaseFailed(attempt, scope, error, idempotent);
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

  /** Tells `watcher` when membership turns against `workerId`; returns the unsubscribe. */
  #watch(workerId: string, watcher: WorkerWatcher): () => void {
    let set = this.#watchers.get(workerId);
    if (set === undefined) {
      set = new Set();
      this.#watchers.set(workerId, set);
    }
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#watchers.get(workerId) === set) this.#watchers.delete(workerId);
    };
  }

  #onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'WorkerUpdated') {
      if (event.worker.state === NodeState.Suspect && event.previous.state !== NodeState.Suspect) {
        // Suspected workers are chosen only when no alive one matches; calls on it hedge.
        for (const watcher of [...(this.#watchers.get(event.worker.id) ?? [])]) watcher.suspect();
      }
      return;
    }
    if (event.type === 'WorkerRemoved') {
      this.#outliers.forget(event.worker.id);
      if (event.reason === 'failed') {
        for (const watcher of [...(this.#watchers.get(event.worker.id) ?? [])]) watcher.failed();
      }
      // A failed worker's connections are dead weight; others may still finish their calls.
      this.pool.remove(event.worker.id, { immediate: event.reason === 'failed' });
    }
  }
}

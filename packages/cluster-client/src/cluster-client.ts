import { EventListeners, type EventOf, type Unsubscribe } from '@rpcnet/base';
import { ErrorCode, RpcError } from '@rpcnet/core';
import { NodeState } from '@rpcnet/gossip';
import type { WorkerEvent, WorkerFilter } from '@rpcnet/registry';
import type {
  WorkerCallOptions,
  WorkerCallResult,
  WorkerStreamMessage,
  WorkerStreamOptions,
} from './call-options.js';
import { CallScope } from './call-scope.js';
import { CallCounters, type ClusterClientMetrics } from './client-metrics.js';
import { type ClusterClientConfig, resolveClusterClientConfig } from './config.js';
import { ConnectionPool } from './connection-pool.js';
import type { ClusterClientEvent } from './events.js';
import { LatencyWindows } from './latency-window.js';
import { OutlierDetector } from './outlier-detector.js';
import { RetryBudget } from './retry-budget.js';
import { streamWithResume } from './stream-resume.js';
import { callWithFailover } from './unary-failover.js';
import { WorkerAttempts } from './worker-attempts.js';
import { quicConnector } from './worker-connection.js';
import type { WorkerSource } from './worker-source.js';
import { WorkerWatchers } from './worker-watchers.js';

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
  readonly #budget: RetryBudget;
  readonly #outliers: OutlierDetector;
  readonly #watchers = new WorkerWatchers();
  readonly #counters = new CallCounters();
  readonly #events: EventListeners<ClusterClientEvent>;
  readonly #attempts: WorkerAttempts;
  readonly #unsubscribe: () => void;
  #closed = false;

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
    const resolved = resolveClusterClientConfig(config);
    const logger = resolved.logger;
    this.#events = new EventListeners((error, event) =>
      logger.warn('cluster client: event listener failed', {
        event: event.type,
        error: String(error),
      }),
    );
    this.#budget = new RetryBudget(resolved.retryBudget, resolved.clock);
    this.#outliers = new OutlierDetector(
      resolved.outlierDetection,
      resolved.clock,
      () => registry.workers().length,
    );
    this.pool = new ConnectionPool({
      connect:
        resolved.connect ??
        quicConnector({
          tls: resolved.tls,
          quic: resolved.quic,
          connectTimeoutMs: resolved.connectTimeoutMs,
          logger,
          interceptors: resolved.interceptors,
          observers: resolved.observers,
        }),
      maxConnectionsPerWorker: resolved.maxConnectionsPerWorker,
      reconnect: resolved.reconnect,
      clock: resolved.clock,
      random: resolved.random,
      logger,
    });
    this.#attempts = new WorkerAttempts({
      source: registry,
      pool: this.pool,
      config: resolved,
      budget: this.#budget,
      outliers: this.#outliers,
      latency: new LatencyWindows(),
      watchers: this.#watchers,
      counters: this.#counters,
      events: this.#events,
    });
    this.#unsubscribe = registry.onEvent((event) => this.#onWorkerEvent(event));
  }

  /** A snapshot of the client's counters. */
  get metrics(): ClusterClientMetrics {
    return this.#counters.snapshot(this.#outliers.ejections);
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
    return this.#attempts.attemptTimeoutFor(method);
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
    const scope = this.#startCall(options, this.#attempts.config.defaultTimeoutMs);
    try {
      const result = await callWithFailover(
        this.#attempts,
        method,
        payload,
        filter,
        options,
        scope,
      );
      this.#counters.succeeded += 1;
      return result;
    } catch (error) {
      this.#counters.failed += 1;
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
    const scope = this.#startCall(options, this.#attempts.config.defaultStreamTimeoutMs);
    let succeeded = false;
    try {
      yield* streamWithResume(this.#attempts, method, payload, filter, options, scope);
      succeeded = true;
    } finally {
      // A consumer that stops iterating early counts as a failed call.
      if (succeeded) this.#counters.succeeded += 1;
      else this.#counters.failed += 1;
      scope.dispose();
    }
  }

  #startCall(options: WorkerCallOptions, defaultTimeoutMs: number | undefined): CallScope {
    if (this.#closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the cluster client is closed', {
        notProcessed: true,
      });
    }
    this.#counters.calls += 1;
    this.#budget.deposit();
    return new CallScope(this.#attempts.config.clock, options, defaultTimeoutMs);
  }

  #onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'WorkerUpdated') {
      if (event.worker.state === NodeState.Suspect && event.previous.state !== NodeState.Suspect) {
        // Suspected workers are chosen only when no alive one matches; calls on it hedge.
        this.#watchers.suspected(event.worker.id);
      }
      return;
    }
    if (event.type === 'WorkerRemoved') {
      this.#outliers.forget(event.worker.id);
      if (event.reason === 'failed') this.#watchers.failed(event.worker.id);
      // A failed worker's connections are dead weight; others may still finish their calls.
      this.pool.remove(event.worker.id, { immediate: event.reason === 'failed' });
    }
  }
}

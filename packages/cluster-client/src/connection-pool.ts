import { ConfigError, type Logger, silentLogger } from '@rpcnet/base';
import type { TransportConnectionStats } from '@rpcnet/core';
import { type Clock, ErrorCode, RpcError } from '@rpcnet/core';
import { abortable } from './abortable.js';
import { type BackoffOptions, ExponentialBackoff } from './backoff.js';
import type { ConnectWorker, WorkerConnection, WorkerTarget } from './worker-connection.js';

/** Settings of a {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Opens a connection to a worker. */
  readonly connect: ConnectWorker;
  /** Connections kept per worker; calls are spread over them. */
  readonly maxConnectionsPerWorker: number;
  /** Re-dial delays after a failed dial or a lost connection. */
  readonly reconnect: BackoffOptions;
  /** Time source for the backoff gate. */
  readonly clock: Clock;
  /** Random source of the backoff jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  readonly logger?: Logger | undefined;
}

/** One call's use of a pooled connection; release it exactly when the call ends. */
export interface ConnectionLease {
  readonly workerId: string;
  readonly connection: WorkerConnection;
  /**
   * Ends the use. With an UNAVAILABLE `RpcError` that never reached a handler (the worker is
   * going away) the connection is taken out of the pool and closed once its other calls end.
   */
  release(error?: unknown): void;
}

/** Counters of a {@link ConnectionPool}, as a snapshot. */
export interface ConnectionPoolStats {
  /** Workers with pool state (connections, a dial in progress or a backoff). */
  readonly workers: number;
  /** Open connections handed out to calls. */
  readonly connections: number;
  /** Dials in progress. */
  readonly dialing: number;
  /** Dials started since creation. */
  readonly dials: number;
  /** Dials that failed. */
  readonly dialFailures: number;
  /** Pooled connections that closed with an error. */
  readonly connectionsLost: number;
}

/** The transport counters of one pooled connection. */
export interface PooledConnectionStats {
  readonly workerId: string;
  /** The worker's RPC `host:port`. */
  readonly rpcAddress: string;
  readonly transport: TransportConnectionStats;
}

/** A pooled connection: `active` counts the leases on it. */
interface PooledConnection {
  readonly connection: WorkerConnection;
  active: number;
  /** Out of the pool: no new leases; closed when `active` reaches 0. */
  retired: boolean;
  closed: boolean;
  unsubscribe: () => void;
}

/** Pool state of one worker. */
interface WorkerSlot {
  readonly id: string;
  readonly rpcAddress: string;
  readonly connections: PooledConnection[];
  dialing: Promise<PooledConnection> | undefined;
  /** Failed dials and lost connections since the worker last stayed up for a quiet period. */
  failures: number;
  /** When the last failure happened. */
  lastFailureAt: number;
  /** No dial before this time (backoff gate). */
  nextDialAt: number;
}

/**
 * Connections to workers, per worker: opened on demand, reused, at most
 * `maxConnectionsPerWorker` with calls spread over them, closed when the worker is removed, and
 * re-dialled after failures with jittered exponential backoff. Concurrent callers share one dial.
 */
export class ConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #backoff: ExponentialBackoff;
  readonly #logger: Logger;
  readonly #slots = new Map<string, WorkerSlot>();
  /** Retired connections still serving calls, so `close()` can reach them. */
  readonly #retired = new Set<PooledConnection>();
  #closed = false;
  #dials = 0;
  #dialFailures = 0;
  #connectionsLost = 0;

  constructor(options: ConnectionPoolOptions) {
    this.#options = options;
    this.#backoff = new ExponentialBackoff(options.reconnect, options.random ?? Math.random);
    this.#logger = options.logger ?? silentLogger;
  }

  /** A snapshot of the pool's counters. */
  get stats(): ConnectionPoolStats {
    let connections = 0;
    let dialing = 0;
    for (const slot of this.#slots.values()) {
      connections += slot.connections.length;
      if (slot.dialing !== undefined) dialing += 1;
    }
    return {
      workers: this.#slots.size,
      connections,
      dialing,
      dials: this.#dials,
      dialFailures: this.#dialFailures,
      connectionsLost: this.#connectionsLost,
    };
  }

  /**
   * Transport counters (RTT, congestion window, packets lost) of every open pooled connection
   * whose transport keeps them; the default QUIC connector's do.
   */
  connectionStats(): PooledConnectionStats[] {
    const stats: PooledConnectionStats[] = [];
    for (const slot of this.#slots.values()) {
      for (const { connection } of slot.connections) {
        const transport = connection.transportStats?.();
        if (transport !== undefined) {
          stats.push({ workerId: slot.id, rpcAddress: slot.rpcAddress, transport });
        }
      }
    }
    return stats;
  }

  /** Open pooled connections to one worker. */
  connectionCount(workerId: string): number {
    return this.#slots.get(workerId)?.connections.length ?? 0;
  }

  /**
   * A connection to `worker` for one call: the least busy open one; a new dial when there is
   * none (shared by concurrent callers), or in the background when all are busy and the cap
   * allows. Rejects with UNAVAILABLE (notProcessed) when the dial fails or the worker is in
   * backoff, and with `signal.reason` when `signal` aborts first.
   */
  async acquire(worker: WorkerTarget, signal?: AbortSignal): Promise<ConnectionLease> {
    if (this.#closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the connection pool is closed', {
        notProcessed: true,
      });
    }
    const slot = this.#slotFor(worker);
    const idle = leastBusy(slot.connections);
    if (idle !== undefined) {
      if (idle.active > 0 && this.#mayDial(slot)) {
        this.#dial(slot).catch(() => undefined);
      }
      return this.#lease(slot, idle);
    }
    if (slot.dialing === undefined) {
      const waitMs = slot.nextDialAt - this.#options.clock.now();
      if (waitMs > 0) {
        throw new RpcError(
          ErrorCode.UNAVAILABLE,
          `worker ${slot.id} (${slot.rpcAddress}) is unreachable; next dial in ${Math.ceil(waitMs)} ms`,
          {
            notProcessed: true,
            details: { workerId: slot.id, rpcAddress: slot.rpcAddress, reason: 'backoff' },
          },
        );
      }
    }
    const pooled = await abortable(slot.dialing ?? this.#dial(slot), signal);
    if (pooled.retired || pooled.closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, `connection to worker ${slot.id} was closed`, {
        notProcessed: true,
        details: { workerId: slot.id, rpcAddress: slot.rpcAddress },
      });
    }
    return this.#lease(slot, pooled);
  }

  /**
   * Forgets a worker: its connections leave the pool and close at once (`immediate`, e.g. the
   * worker failed) or when their calls end (it left gracefully); its backoff state is dropped.
   */
  remove(workerId: string, options: { immediate?: boolean } = {}): void {
    const slot = this.#slots.get(workerId);
    if (slot === undefined) return;
    this.#slots.delete(workerId);
    for (const pooled of [...slot.connections]) this.#retire(slot, pooled, options.immediate);
  }

  /** Closes every connection; later `acquire` calls fail with UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const closing: Promise<void>[] = [];
    for (const slot of this.#slots.values()) {
      for (const pooled of slot.connections) closing.push(this.#closeConnection(pooled));
      slot.dialing?.then((pooled) => this.#closeConnection(pooled)).catch(() => undefined);
    }
    for (const pooled of this.#retired) closing.push(this.#closeConnection(pooled));
    this.#slots.clear();
    this.#retired.clear();
    await Promise.all(closing);
  }

  #slotFor(worker: WorkerTarget): WorkerSlot {
    const existing = this.#slots.get(worker.id);
    if (existing !== undefined && existing.rpcAddress === worker.rpcAddress) return existing;
    if (existing !== undefined) this.remove(worker.id, { immediate: false });
    const slot: WorkerSlot = {
      id: worker.id,
      rpcAddress: worker.rpcAddress,
      connections: [],
      dialing: undefined,
      failures: 0,
      lastFailureAt: Number.NEGATIVE_INFINITY,
      nextDialAt: 0,
    };
    this.#slots.set(worker.id, slot);
    return slot;
  }

  #mayDial(slot: WorkerSlot): boolean {
    return (
      slot.dialing === undefined &&
      slot.connections.length < this.#options.maxConnectionsPerWorker &&
      this.#options.clock.now() >= slot.nextDialAt
    );
  }

  #lease(slot: WorkerSlot, pooled: PooledConnection): ConnectionLease {
    pooled.active += 1;
    let released = false;
    return {
      workerId: slot.id,
      connection: pooled.connection,
      release: (error?: unknown) => {
        if (released) return;
        released = true;
        pooled.active -= 1;
        if (isGoingAway(error) && !pooled.retired) {
          this.#retire(slot, pooled, false);
        } else if (pooled.retired && pooled.active === 0) {
          void this.#closeConnection(pooled);
        }
      },
    };
  }

  #dial(slot: WorkerSlot): Promise<PooledConnection> {
    this.#dials += 1;
    const dialing = this.#open(slot);
    slot.dialing = dialing;
    const settled = () => {
      if (slot.dialing === dialing) slot.dialing = undefined;
    };
    dialing.then(settled, settled);
    return dialing;
  }

  async #open(slot: WorkerSlot): Promise<PooledConnection> {
    let connection: WorkerConnection;
    try {
      connection = await this.#options.connect({ id: slot.id, rpcAddress: slot.rpcAddress });
    } catch (error) {
      if (error instanceof ConfigError) {
        // A setting that cannot work says nothing about the worker: no backoff, no ejection.
        throw new RpcError(
          ErrorCode.FAILED_PRECONDITION,
          `cannot connect to worker ${slot.id} (${slot.rpcAddress}): ${error.message}`,
          {
            notProcessed: true,
            cause: error,
            details: { workerId: slot.id, rpcAddress: slot.rpcAddress, reason: 'config' },
          },
        );
      }
      this.#dialFailures += 1;
      this.#recordFailure(slot);
      this.#logger.debug('cluster client: dial failed', {
        workerId: slot.id,
        rpcAddress: slot.rpcAddress,
        failures: slot.failures,
        error: String(error),
      });
      const reason = error instanceof Error ? error.message : String(error);
      throw new RpcError(
        ErrorCode.UNAVAILABLE,
        `cannot connect to worker ${slot.id} (${slot.rpcAddress}): ${reason}`,
        {
          notProcessed: true,
          cause: error,
          details: { workerId: slot.id, rpcAddress: slot.rpcAddress, reason: 'connect' },
        },
      );
    }
    const pooled: PooledConnection = {
      connection,
      active: 0,
      retired: false,
      closed: false,
      unsubscribe: () => undefined,
    };
    if (this.#closed || this.#slots.get(slot.id) !== slot) {
      // The worker was removed (or the pool closed) while dialling.
      pooled.retired = true;
      void this.#closeConnection(pooled);
      return pooled;
    }
    slot.connections.push(pooled);
    pooled.unsubscribe = connection.onClose((error) =>
      this.#onConnectionClosed(slot, pooled, error),
    );
    return pooled;
  }

  #onConnectionClosed(slot: WorkerSlot, pooled: PooledConnection, error?: Error): void {
    pooled.closed = true;
    this.#retired.delete(pooled);
    const index = slot.connections.indexOf(pooled);
    if (index < 0) return;
    slot.connections.splice(index, 1);
    if (error !== undefined) {
      this.#connectionsLost += 1;
      this.#recordFailure(slot);
      this.#logger.debug('cluster client: connection lost', {
        workerId: slot.id,
        error: error.message,
      });
    }
  }

  #recordFailure(slot: WorkerSlot): void {
    const now = this.#options.clock.now();
    // A successful dial does not reset the count (a flapping worker accepts, then drops); only
    // a quiet period of twice the longest delay does.
    if (now - slot.lastFailureAt > 2 * this.#options.reconnect.maxDelayMs) slot.failures = 0;
    slot.failures += 1;
    slot.lastFailureAt = now;
    slot.nextDialAt = now + this.#backoff.delayMs(slot.failures);
  }

  #retire(slot: WorkerSlot, pooled: PooledConnection, immediate: boolean | undefined): void {
    pooled.retired = true;
    const index = slot.connections.indexOf(pooled);
    if (index >= 0) slot.connections.splice(index, 1);
    if (immediate || pooled.active === 0) {
      void this.#closeConnection(pooled);
    } else {
      this.#retired.add(pooled);
    }
  }

  async #closeConnection(pooled: PooledConnection): Promise<void> {
    this.#retired.delete(pooled);
    if (pooled.closed) return;
    pooled.closed = true;
    pooled.unsubscribe();
    try {
      await pooled.connection.close();
    } catch (error) {
      this.#logger.debug('cluster client: closing a connection failed', { error: String(error) });
    }
  }
}

function leastBusy(connections: readonly PooledConnection[]): PooledConnection | undefined {
  let best: PooledConnection | undefined;
  for (const pooled of connections) {
    if (best === undefined || pooled.active < best.active) best = pooled;
  }
  return best;
}

/** The connection refused a call because it is closing (GOAWAY) or closed. */
function isGoingAway(error: unknown): boolean {
  return error instanceof RpcError && error.code === ErrorCode.UNAVAILABLE && error.notProcessed;
}

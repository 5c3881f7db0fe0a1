import { randomUUID } from 'node:crypto';
import {
  type CancelTimer,
  type WallClock as Clock,
  systemWallClock as systemClock,
} from '@rpcnet/base';
import {
  ErrorCode,
  NoWorkersAvailableError,
  RpcError,
  type WorkerLease,
  type WorkerRegistry,
} from 'rpcnet';
import type { Assignment } from './director-service.js';

/** How long an assignment is held when its client never releases it (e.g. the client crashed). */
export const ASSIGNMENT_TTL_MS = 120_000;

interface Held {
  readonly lease: WorkerLease;
  readonly cancelExpiry: CancelTimer;
}

/**
 * The director's assignments: each one holds a registry lease on its worker until the client
 * releases it, the worker leaves the registry, or it expires, so LeastConnections balances on the
 * sessions that are really running.
 */
export class WorkerAssignments {
  readonly #registry: WorkerRegistry;
  readonly #filter: string;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #held = new Map<string, Held>();
  readonly #unsubscribe: () => void;

  constructor(
    registry: WorkerRegistry,
    filter: string,
    clock: Clock = systemClock,
    ttlMs = ASSIGNMENT_TTL_MS,
  ) {
    this.#registry = registry;
    this.#filter = filter;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    // A worker that left the pool no longer serves its assignments: stop counting them.
    this.#unsubscribe = registry.on('WorkerRemoved', ({ worker }) => {
      for (const [id, held] of this.#held) {
        if (held.lease.worker.id === worker.id) this.#end(id, { failed: true });
      }
    });
  }

  /** Assignments held now. */
  get size(): number {
    return this.#held.size;
  }

  /** Chooses a worker not in `exclude`; throws RpcError UNAVAILABLE when there is none. */
  assign(exclude: readonly string[] = []): Assignment {
    let lease: WorkerLease;
    try {
      lease = this.#registry.selectWorker(this.#filter, { exclude: new Set(exclude) });
    } catch (error) {
      if (error instanceof NoWorkersAvailableError) {
        throw new RpcError(ErrorCode.UNAVAILABLE, error.message, {
          details: { reason: 'no-workers' },
        });
      }
      throw error;
    }
    const assignmentId = randomUUID();
    const cancelExpiry = this.#clock.setTimer(this.#ttlMs, () => this.#end(assignmentId, {}));
    this.#held.set(assignmentId, { lease, cancelExpiry });
    const { worker } = lease;
    return {
      assignmentId,
      workerId: worker.id,
      label: worker.tags.label ?? worker.id,
      rpcAddress: worker.rpcAddress,
    };
  }

  /** Ends an assignment; false when it was not held (already released or expired). */
  release(assignmentId: string, failed = false): boolean {
    return this.#end(assignmentId, { failed });
  }

  /** Ends every assignment and stops following the registry. */
  close(): void {
    this.#unsubscribe();
    for (const id of [...this.#held.keys()]) this.#end(id, { cancelled: true });
  }

  #end(assignmentId: string, outcome: { failed?: boolean; cancelled?: boolean }): boolean {
    const held = this.#held.get(assignmentId);
    if (held === undefined) return false;
    this.#held.delete(assignmentId);
    held.cancelExpiry();
    held.lease.release(outcome);
    return true;
  }
}

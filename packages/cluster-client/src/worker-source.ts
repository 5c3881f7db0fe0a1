import type {
  SelectOptions,
  Worker,
  WorkerEvent,
  WorkerFilter,
  WorkerLease,
} from '@rpcnet/registry';

/**
 * What the cluster client needs from a worker registry: `WorkerRegistry` from `@rpcnet/registry`
 * provides it. Selection acquires a lease that the client releases when the attempt ends.
 */
export interface WorkerSource {
  /** Chooses and acquires a worker; throws `NoWorkersAvailableError` when none is selectable. */
  selectWorker(filter?: WorkerFilter, options?: SelectOptions): WorkerLease;
  /** The selectable workers matching `filter` (all when omitted). */
  workers(filter?: WorkerFilter): readonly Worker[];
  /** Subscribes to registry events; returns the unsubscribe function. */
  onEvent(listener: (event: WorkerEvent) => void): () => void;
}

import type { EventOf } from '@rpcnet/base';
import type { Worker } from './worker.js';

/** Why a worker left the registry. */
export type WorkerRemovalReason =
  /** Membership declared the node dead. */
  | 'failed'
  /** The node left the cluster gracefully. */
  | 'left'
  /** The node published `healthy=false`. */
  | 'unhealthy'
  /** The node's tags or RPC address no longer make it a worker of this registry. */
  | 'unmatched'
  /** The registry stopped. */
  | 'stopped';

/** Everything a registry reports; `worker` is a snapshot after the change. */
export type WorkerEvent =
  | { readonly type: 'WorkerAdded'; readonly worker: Worker }
  | {
      readonly type: 'WorkerRemoved';
      readonly worker: Worker;
      readonly reason: WorkerRemovalReason;
    }
  | { readonly type: 'WorkerUpdated'; readonly worker: Worker; readonly previous: Worker };

/** The event names, for the emitter form (`registry.on('WorkerRemoved', ...)`). */
export type WorkerEventType = WorkerEvent['type'];

/** The event of one type. */
export type WorkerEventOf<T extends WorkerEventType> = EventOf<WorkerEvent, T>;

import { defineService, jsonCodec, unaryMethod } from 'rpcnet';

/** A client's request for a worker. */
export interface AssignRequest {
  /** Worker ids not to assign (those that just failed this client). */
  readonly exclude?: readonly string[];
  /** Who asks, for the director's log. */
  readonly client?: string;
}

/** A worker the director chose; the client calls it directly at `rpcAddress`. */
export interface Assignment {
  /** Hand back with `release_worker` when done with the worker. */
  readonly assignmentId: string;
  readonly workerId: string;
  readonly label: string;
  readonly rpcAddress: string;
}

/** Ends an assignment; `failed` tells the director the worker failed the client. */
export interface ReleaseRequest {
  readonly assignmentId: string;
  readonly failed?: boolean;
}

/** Whether the assignment was still held. */
export interface ReleaseReply {
  readonly released: boolean;
}

/**
 * The director's RPC API. `assign_worker` picks a worker with the director's WorkerRegistry
 * (LeastConnections over the assignments it holds) or fails with UNAVAILABLE when none is left.
 */
export const directorService = defineService('director', {
  assign_worker: unaryMethod(jsonCodec<AssignRequest>(), jsonCodec<Assignment>()),
  release_worker: unaryMethod(jsonCodec<ReleaseRequest>(), jsonCodec<ReleaseReply>()),
});

import type { ClusterNode, NodeId, NodeState, NodeTags } from '@rpcnet/gossip';

/** Observed call latency of one worker, in milliseconds. */
export interface LatencyStats {
  /** Exponentially weighted moving average; `undefined` until the first sample. */
  readonly ewmaMs: number | undefined;
  /** The most recent sample. */
  readonly lastMs: number | undefined;
  readonly minMs: number | undefined;
  readonly maxMs: number | undefined;
  /** Calls that contributed a latency sample. */
  readonly samples: number;
  /** Calls released as failed. */
  readonly failures: number;
}

/**
 * A worker: a member serving RPC that is alive or suspect, healthy and matches the registry's filter.
 * Strategies see live views (fields change as calls start and end); callers get frozen snapshots.
 */
export interface Worker {
  readonly id: NodeId;
  /** The QUIC address calls go to, `host:port`. */
  readonly rpcAddress: string;
  readonly tags: NodeTags;
  /** `alive` or `suspect`; suspects are only chosen when no alive worker matches. */
  readonly state: NodeState;
  /** Calls acquired on this worker and not yet released. */
  readonly inFlight: number;
  readonly latency: LatencyStats;
  /** The membership snapshot this worker was last built from. */
  readonly node: ClusterNode;
}

/** How a call on a leased worker ended, reported on release. */
export interface CallOutcome {
  /** Measured call latency; when omitted the lease measures acquire-to-release on its clock. */
  readonly latencyMs?: number | undefined;
  /** The call failed; counted, and its latency sample is raised to the failure penalty. */
  readonly failed?: boolean | undefined;
  /** The call was cancelled before it finished; releases without recording a latency sample. */
  readonly cancelled?: boolean | undefined;
}

/**
 * One acquired call slot on a worker, returned by `selectWorker`. Release it exactly when the call
 * ends (success, error or cancellation); `release` is idempotent, so a second call changes nothing.
 */
export interface WorkerLease {
  /** Snapshot of the chosen worker taken right after acquiring (its `inFlight` counts this lease). */
  readonly worker: Worker;
  /** True once `release` has been called. */
  readonly released: boolean;
  /** Ends the lease; returns true the first time, false on every later call. */
  release(outcome?: CallOutcome): boolean;
}

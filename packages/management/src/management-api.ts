import type { ClusterClientMetrics } from '@rpcnet/cluster-client';
import type { GossipMetricsSnapshot, NodeId, NodeState, NodeTags } from '@rpcnet/gossip';
import type { WorkerRemovalReason } from '@rpcnet/registry';

/**
 * The version of the endpoint's JSON shapes, carried as `version` in every document and in the
 * `/api/v<N>/` path. Fields may be added within a version; renaming or removing one is a new version.
 */
export const MANAGEMENT_API_VERSION = 1;

/** Phi values above this are reported as this (an unreachable member's phi grows without bound). */
export const PHI_REPORT_CAP = 1000;

/** One member as this node sees it. */
export interface MemberView {
  readonly id: NodeId;
  readonly gossipAddress: string;
  readonly rpcAddress: string | null;
  readonly state: NodeState;
  readonly incarnation: number;
  readonly tags: NodeTags;
  /** Suspicion level of this node's failure detector for the member; null without samples. */
  readonly phi: number | null;
  /** Last direct-probe round trip in ms; null when none was measured. */
  readonly rttMs: number | null;
  /** True for the node serving the endpoint. */
  readonly self: boolean;
}

/** The serving node's own health. */
export interface HealthView {
  readonly running: boolean;
  /** Lifeguard local health score; 0 is healthy, higher means this node is slow to answer. */
  readonly awareness: number;
  readonly incarnation: number;
}

/** `GET /api/v1/node`. */
export interface NodeDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly node: MemberView;
  readonly health: HealthView;
  /** Gossip counters; null before the member started. */
  readonly gossip: GossipMetricsSnapshot | null;
}

/** `GET /api/v1/members`. */
export interface MembersDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly self: NodeId;
  /** Every known member, dead and left ones included, sorted by id. */
  readonly members: readonly MemberView[];
}

/** One worker of the attached registry. */
export interface WorkerView {
  readonly id: NodeId;
  readonly rpcAddress: string;
  readonly state: NodeState;
  readonly tags: NodeTags;
  /** Calls running on the worker now. */
  readonly inFlight: number;
  readonly latency: {
    readonly ewmaMs: number | null;
    readonly lastMs: number | null;
    readonly minMs: number | null;
    readonly maxMs: number | null;
    readonly samples: number;
    readonly failures: number;
  };
}

/** `GET /api/v1/workers`; `workers` is null when no registry is attached. */
export interface WorkersDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly workers: readonly WorkerView[] | null;
}

/** The attached cluster client's routing counters. */
export interface ClientView extends ClusterClientMetrics {
  readonly ejectedWorkers: readonly string[];
  readonly retryTokens: number;
}

/** `GET /api/v1/client`; `client` is null when no client is attached. */
export interface ClientDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly client: ClientView | null;
}

/** A membership or registry event as the endpoint reports it. */
export type ManagementEvent = {
  /** Increases by one per event for the life of the endpoint; the SSE event id. */
  readonly seq: number;
  /** Wall-clock time the endpoint saw the event, epoch ms. */
  readonly at: number;
} & (
  | {
      readonly source: 'membership';
      readonly type:
        | 'NodeJoined'
        | 'NodeLeft'
        | 'NodeFailed'
        | 'NodeSuspected'
        | 'NodeRecovered'
        | 'NodeUpdated';
      readonly node: MemberView;
    }
  | {
      readonly source: 'membership';
      readonly type: 'PartitionDetected';
      readonly reachable: readonly NodeId[];
      readonly unreachable: readonly NodeId[];
    }
  | {
      readonly source: 'membership';
      readonly type: 'PartitionHealed';
      readonly rejoined: readonly NodeId[];
    }
  | {
      readonly source: 'registry';
      readonly type: 'WorkerAdded' | 'WorkerUpdated';
      readonly worker: WorkerView;
    }
  | {
      readonly source: 'registry';
      readonly type: 'WorkerRemoved';
      readonly worker: WorkerView;
      readonly reason: WorkerRemovalReason;
    }
);

/** `GET /api/v1/events`: the most recent events, oldest first. */
export interface EventsDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  readonly events: readonly ManagementEvent[];
}

/** The partition this node currently sees, from the last `PartitionDetected` not yet healed. */
export interface PartitionStatus {
  readonly detectedAt: number;
  readonly reachable: readonly NodeId[];
  readonly unreachable: readonly NodeId[];
}

/** `GET /api/v1/overview`: everything the console shows, in one document. */
export interface OverviewDocument {
  readonly version: typeof MANAGEMENT_API_VERSION;
  /** Wall-clock time of this snapshot, epoch ms. */
  readonly at: number;
  readonly node: MemberView;
  readonly health: HealthView;
  readonly members: readonly MemberView[];
  readonly workers: readonly WorkerView[] | null;
  readonly client: ClientView | null;
  readonly partition: PartitionStatus | null;
}

/**
 * What example processes tell a supervising parent (the `pnpm demo` view) over the Node IPC
 * channel. Without a parent (started from a terminal) nothing is sent.
 */

/** A phase of a worker's simulated failure cycle. */
export type WorkerPhase = 'running' | 'warning' | 'failed' | 'recovering';

/** A member as the director sees it. */
export interface MemberView {
  readonly id: string;
  readonly label: string;
  readonly role: string;
  readonly state: string;
  readonly healthy: boolean;
  /** Phi of the director's failure detector for this member (undefined before samples). */
  readonly phi: number | undefined;
  /** Assignments the director currently holds on this worker (its LeastConnections load). */
  readonly assigned: number;
  /** Whether the director's WorkerRegistry counts it as an available worker. */
  readonly available: boolean;
}

/** Client counters; `lost` counts calls that ended without their full answer. */
export interface ClientCounters {
  readonly callsStarted: number;
  readonly callsCompleted: number;
  readonly callsLost: number;
  /** Calls cut short because the client was stopping (not failures). */
  readonly callsCancelled: number;
  readonly failovers: number;
  readonly tokens: number;
  readonly activeCalls: number;
}

/** Every report a child sends. `at` is epoch ms on the sender (all children share one host). */
export type DemoReport =
  | {
      readonly type: 'ready';
      readonly role: string;
      readonly name: string;
      readonly nodeId: string | undefined;
      readonly rpcAddress: string | undefined;
      /** The web console's URL, from a process that serves one. */
      readonly consoleUrl?: string | undefined;
    }
  | { readonly type: 'members'; readonly at: number; readonly members: readonly MemberView[] }
  | {
      readonly type: 'worker-removed';
      readonly at: number;
      readonly label: string;
      readonly reason: string;
    }
  | { readonly type: 'worker-added'; readonly at: number; readonly label: string }
  | {
      readonly type: 'worker-stats';
      readonly at: number;
      readonly label: string;
      readonly phase: WorkerPhase;
      readonly activeCalls: number;
      readonly tokensServed: number;
    }
  | {
      readonly type: 'phase';
      readonly at: number;
      readonly label: string;
      readonly phase: WorkerPhase;
    }
  | { readonly type: 'client-stats'; readonly at: number; readonly counters: ClientCounters }
  | {
      readonly type: 'failover';
      readonly at: number;
      readonly from: string;
      readonly to: string;
      readonly tokensSoFar: number;
    }
  | { readonly type: 'stopped'; readonly name: string };

/** A message the parent sends to a child: stop gracefully. */
export interface StopRequest {
  readonly type: 'stop';
}

/** Sends `report` to the supervising parent, if there is one. Never throws. */
export function reportToParent(report: DemoReport): void {
  if (process.send === undefined || !process.connected) return;
  try {
    process.send(report);
  } catch {
    // The parent went away; the disconnect handler stops this process.
  }
}

/** True when `value` is a {@link StopRequest}. */
export function isStopRequest(value: unknown): value is StopRequest {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'stop';
}

const REPORT_TYPES: ReadonlySet<string> = new Set([
  'ready',
  'members',
  'worker-removed',
  'worker-added',
  'worker-stats',
  'phase',
  'client-stats',
  'failover',
  'stopped',
]);

/** True when `value` looks like a {@link DemoReport} (children are trusted; this guards typos). */
export function isDemoReport(value: unknown): value is DemoReport {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof value.type === 'string' &&
    REPORT_TYPES.has(value.type)
  );
}

import type { ErrorCode } from '@rpcnet/core';

/** A call moved to another worker after its attempt on `previousWorkerId` failed or timed out. */
export interface FailoverEvent {
  readonly type: 'Failover';
  readonly method: string;
  /** The attempt now starting (2 for the first failover). */
  readonly attempt: number;
  readonly workerId: string;
  readonly previousWorkerId: string | undefined;
  /** Why the previous attempt was left. */
  readonly code: ErrorCode | undefined;
}

/** A hedged attempt of an idempotent unary call started while an earlier one still runs. */
export interface HedgeEvent {
  readonly type: 'Hedge';
  readonly method: string;
  readonly attempt: number;
  readonly workerId: string;
}

/** A server stream continues on another worker from a request built by `options.resume`. */
export interface StreamResumedEvent {
  readonly type: 'StreamResumed';
  readonly method: string;
  readonly failedWorkerId: string;
  /** Messages delivered before the worker was lost. */
  readonly messagesReceived: number;
  /** The part of the stream that starts (1 for the first resume). */
  readonly part: number;
}

/**
 * What a `ClusterClient` reports while calls run. Listeners are called synchronously, inside the
 * call's async context, so tracing can annotate the span active for the call.
 */
export type ClusterClientEvent = FailoverEvent | HedgeEvent | StreamResumedEvent;

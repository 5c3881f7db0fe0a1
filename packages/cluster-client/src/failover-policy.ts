import { ErrorCode, RpcError } from '@rpcnet/core';

/** How an attempt's failure counts for the worker that served it, and whether to fail over. */
export interface FailureVerdict {
  /** The worker is at fault (unreachable, dying, overloaded, too slow): recorded as a failure. */
  readonly workerFault: boolean;
  /** Another worker may take the call, given the idempotency rule and the budgets. */
  readonly retryable: boolean;
  /**
   * The worker could not be reached or did not answer in time (UNAVAILABLE, attempt timeout):
   * counts towards its ejection by outlier detection.
   */
  readonly connectionFailure: boolean;
  /** The worker answered with an application error: it is reachable, so its failure count resets. */
  readonly answered: boolean;
}

const WORKER_FAULT_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.UNAVAILABLE,
  ErrorCode.DEADLINE_EXCEEDED,
  ErrorCode.RESOURCE_EXHAUSTED,
  ErrorCode.INTERNAL,
  ErrorCode.UNKNOWN,
  ErrorCode.PROTOCOL_ERROR,
]);

/**
 * Classifies a failed attempt. A call fails over only when its worker died or is unreachable
 * (UNAVAILABLE), was refused before a handler saw it (RESOURCE_EXHAUSTED, notProcessed), or ran
 * past its attempt timeout; and then only if it never reached a handler or is idempotent.
 */
export function classifyFailure(
  error: RpcError,
  idempotent: boolean,
  attemptTimedOut: boolean,
): FailureVerdict {
  const workerFault = WORKER_FAULT_CODES.has(error.code);
  const lostWorker =
    error.code === ErrorCode.UNAVAILABLE ||
    (error.code === ErrorCode.RESOURCE_EXHAUSTED && error.notProcessed) ||
    (error.code === ErrorCode.DEADLINE_EXCEEDED && attemptTimedOut);
  const connectionFailure =
    error.code === ErrorCode.UNAVAILABLE ||
    (error.code === ErrorCode.DEADLINE_EXCEEDED && attemptTimedOut);
  return {
    workerFault,
    retryable: lostWorker && (error.notProcessed || idempotent),
    connectionFailure,
    answered: !workerFault && error.code !== ErrorCode.CANCELLED,
  };
}

/** Anything thrown by a connection, as an {@link RpcError}. */
export function toRpcError(error: unknown): RpcError {
  return RpcError.from(error, ErrorCode.UNKNOWN);
}

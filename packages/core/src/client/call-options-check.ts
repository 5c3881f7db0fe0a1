import { ErrorCode, RpcError } from '../errors.js';

/** What a call's options may hold, checked before the call starts. */
interface CallOptionsShape {
  readonly timeoutMs?: unknown;
  readonly deadline?: unknown;
  readonly signal?: unknown;
  readonly metadata?: unknown;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}" (a string)` : String(value);
}

function invalid(field: string, expected: string, value: unknown): RpcError {
  return new RpcError(
    ErrorCode.INVALID_ARGUMENT,
    `call option ${field} must be ${expected}, got ${describe(value)}`,
    { notProcessed: true },
  );
}

/**
 * Refuses per-call options that cannot mean what the caller wanted (a string timeout, NaN, a
 * deadline that is not a time), with INVALID_ARGUMENT naming the option; nothing is sent.
 */
export function checkCallOptions(options: CallOptionsShape): void {
  const { timeoutMs, deadline, signal, metadata } = options;
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs >= 0)
  ) {
    throw invalid('timeoutMs', 'a finite number of milliseconds, 0 or more', timeoutMs);
  }
  if (deadline !== undefined && !(typeof deadline === 'number' && Number.isFinite(deadline))) {
    throw invalid('deadline', 'a time in epoch milliseconds (e.g. Date.now() + 5000)', deadline);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid('signal', 'an AbortSignal', signal);
  }
  if (metadata !== undefined && !isStringRecord(metadata)) {
    throw invalid('metadata', 'an object of string values', JSON.stringify(metadata));
  }
}

/** An object whose own values are all strings; checked without allocating (once per call). */
function isStringRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key in value) {
    if (Object.hasOwn(value, key) && typeof (value as Record<string, unknown>)[key] !== 'string') {
      return false;
    }
  }
  return true;
}

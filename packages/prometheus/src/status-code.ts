/** The `code` label of a call that succeeded. */
export const OK = 'OK';

/** The `code` label of a call that ended with `error`: its `RpcError` code, else UNKNOWN. */
export function statusCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : 'UNKNOWN';
}

/** `OK`, or the code of the error `signal` was aborted with (a call that failed meanwhile). */
export function statusFromSignal(signal: AbortSignal): string {
  return signal.aborted ? statusCodeOf(signal.reason) : OK;
}

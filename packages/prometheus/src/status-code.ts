import type { CallContext } from '@rpcnet/core';

/** The `code` label of a call that succeeded. */
export const OK = 'OK';

/** The `code` label of a call that ended with `error`: its `RpcError` code, else UNKNOWN. */
export function statusCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0 ? code : 'UNKNOWN';
}

/** `OK`, or the code of the error the call failed with meanwhile (`CallContext.error`). */
export function statusOfCall(context: CallContext): string {
  return context.error === undefined ? OK : statusCodeOf(context.error);
}

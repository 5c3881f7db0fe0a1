import { RpcError } from 'rpcnet';

/** A short reason for log lines: `UNAVAILABLE: worker-3 is failing (simulated)`. */
export function describeError(error: unknown): string {
  if (error instanceof RpcError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

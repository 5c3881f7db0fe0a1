import { z } from 'zod';
import { RpcConfigError } from './errors.js';

const MiB = 1024 * 1024;

/** Limits of one side of a connection; every field has a documented default. */
export const rpcLimitsSchema = z.strictObject({
  /** Largest frame payload (one message or control body) accepted or sent. Default 4 MiB. */
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * MiB)
    .default(4 * MiB),
  /** Calls open at once on one connection; more fail with RESOURCE_EXHAUSTED. Default 4096. */
  maxConcurrentCalls: z.number().int().min(1).max(1_000_000).default(4096),
  /** Per-call receive window in bytes (stream flow control credit). Default 4 MiB. */
  initialWindowBytes: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 31 - 1)
    .default(4 * MiB),
  /** Queued outgoing bytes above which stream senders wait (write backpressure). Default 1 MiB. */
  writeHighWaterBytes: z.number().int().min(1024).default(MiB),
  /** Send a PING after this long without receiving anything; 0 disables. Default 5000 ms. */
  keepAliveIntervalMs: z.number().int().min(0).default(5000),
  /** Close the connection after this long without receiving anything; 0 disables. Default 15000 ms. */
  idleTimeoutMs: z.number().int().min(0).default(15_000),
});

/** Validated limits with defaults applied. */
export type RpcLimits = z.output<typeof rpcLimitsSchema>;

/** Limits as the user passes them: any subset of {@link RpcLimits}. */
export type RpcLimitsInput = z.input<typeof rpcLimitsSchema>;

/** The default limits. */
export const defaultRpcLimits: RpcLimits = Object.freeze(rpcLimitsSchema.parse({}));

/** Parses `value` with `schema`, throwing an {@link RpcConfigError} naming the first bad field. */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [first, ...more] = result.error.issues;
  const field = first?.path.map(String).join('.') || '(root)';
  const others = more.map((issue) => `; ${issue.path.map(String).join('.')}: ${issue.message}`);
  throw new RpcConfigError(what, field, `${first?.message ?? 'invalid'}${others.join('')}`);
}

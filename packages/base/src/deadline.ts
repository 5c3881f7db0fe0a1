/** What a call may say about when it must end; both in milliseconds. */
export interface DeadlineOptions {
  /** Absolute deadline, on the same clock as `now` (epoch ms for RPC calls). */
  readonly deadline?: number | undefined;
  /** Relative timeout from the call's start. */
  readonly timeoutMs?: number | undefined;
}

/**
 * The one deadline rule of rpcnet: a call ends at the earliest of its explicit `deadline` and
 * `now + timeoutMs`; `defaultTimeoutMs` applies only when the call sets neither (a default never
 * shortens an explicit deadline). Returns `Infinity` when the call has no deadline at all.
 */
export function resolveDeadline(
  options: DeadlineOptions,
  now: number,
  defaultTimeoutMs?: number | undefined,
): number {
  const { deadline, timeoutMs } = options;
  if (deadline === undefined && timeoutMs === undefined) {
    return defaultTimeoutMs === undefined ? Number.POSITIVE_INFINITY : now + defaultTimeoutMs;
  }
  return minDeadline(deadline, timeoutMs === undefined ? undefined : now + timeoutMs);
}

/** The earliest of the given deadlines; `undefined` entries are ignored, `Infinity` when none. */
export function minDeadline(...deadlines: ReadonlyArray<number | undefined>): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const deadline of deadlines) {
    if (deadline !== undefined && deadline < earliest) earliest = deadline;
  }
  return earliest;
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Fail after this many ms (monotonic time). Default 5,000. */
  readonly timeoutMs?: number;
  /** Check the condition every this many ms. Default 10. */
  readonly intervalMs?: number;
  /**
   * What is awaited, named in the failure. A function is called only on failure, so it can show
   * the state that was waited on. Default `'condition'`.
   */
  readonly message?: string | (() => string);
}

/**
 * Polls `condition` until it holds and returns how many ms that took; throws `timed out after
 * <timeoutMs> ms waiting for <message>` once `timeoutMs` has passed. The bounded wait of
 * integration tests, instead of sleeps.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 10;
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) {
      const what = options.message ?? 'condition';
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return performance.now() - started;
}

/** Resolves with the rejection of `promise`; throws if it resolves instead. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

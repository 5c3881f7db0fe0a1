import type { CancelTimer } from './clock.js';

/**
 * The longest delay `setTimeout` honours (2^31-1 ms, about 24.8 days); a longer one overflows
 * and fires after 1 ms.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * `setTimeout` for any delay: waits in steps of at most {@link MAX_TIMER_DELAY_MS} (as grpc-js's
 * deadline timers do), so a 30-day timeout fires after 30 days. An infinite delay never fires.
 * Timers are unref'd: a pending timer never keeps the process alive.
 */
export function setCappedTimer(delayMs: number, callback: () => void): CancelTimer {
  if (delayMs === Number.POSITIVE_INFINITY) return () => {};
  let remaining = Number.isNaN(delayMs) ? 0 : Math.max(0, delayMs);
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const step = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= step;
    handle = setTimeout(remaining > 0 ? arm : callback, step);
    handle.unref?.();
  };
  arm();
  return () => clearTimeout(handle);
}

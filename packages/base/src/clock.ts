/** Cancels a scheduled callback; calling it after the callback ran, or twice, is harmless. */
export type CancelTimer = () => void;

/** Runs callbacks later: the part of a clock that schedules. */
export interface TimerScheduler {
  /** Runs `callback` once after `delayMs` (any length: long delays must not overflow). */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/**
 * Milliseconds from an arbitrary origin (process start), never going back: for durations,
 * probe periods and leases, never for dates. `kind` brands it, so a {@link WallClock} cannot be
 * passed where a monotonic clock is expected, in types and at run time.
 */
export interface MonotonicClock extends TimerScheduler {
  readonly kind: 'monotonic';
  /** Milliseconds since the clock's origin. */
  now(): number;
}

/**
 * Epoch milliseconds, the time base of absolute deadlines that travel between processes. `kind`
 * brands it, so a {@link MonotonicClock} (which counts from process start) cannot stand in for it.
 */
export interface WallClock extends TimerScheduler {
  readonly kind: 'wall';
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Either clock; for code that only measures differences between its own readings. */
export type AnyClock = MonotonicClock | WallClock;

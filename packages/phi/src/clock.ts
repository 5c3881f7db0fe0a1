/** Source of time for a detector, in milliseconds; only differences between readings matter. */
export interface PhiClock {
  /** Current time in milliseconds. Must be finite and non-negative. */
  now(): number;
}

/** The default clock: the monotonic `performance.now()` of the running process. */
export const performanceClock: PhiClock = Object.freeze({
  now: () => performance.now(),
});

import { type MonotonicClock, systemMonotonicClock } from '@rpcnet/base';

/**
 * Source of time for a detector, in milliseconds; only differences between readings matter, so
 * any clock with `now()` will do (a {@link MonotonicClock} is the right one).
 */
export type PhiClock = Pick<MonotonicClock, 'now'>;

/** The default clock: the monotonic `performance.now()` of the running process. */
export const performanceClock: PhiClock = systemMonotonicClock;

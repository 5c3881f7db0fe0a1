import type { MonotonicClock, WallClock } from './clock.js';
import { setCappedTimer } from './timer.js';

/** The real monotonic clock: `performance.now()` and capped, unref'd timers. */
export const systemMonotonicClock: MonotonicClock = Object.freeze({
  kind: 'monotonic',
  now: (): number => performance.now(),
  setTimer: setCappedTimer,
});

/** The real wall clock: `Date.now()` and capped, unref'd timers. */
export const systemWallClock: WallClock = Object.freeze({
  kind: 'wall',
  now: (): number => Date.now(),
  setTimer: setCappedTimer,
});

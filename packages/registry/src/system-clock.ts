import type { CancelTimer, Clock } from '@rpcnet/gossip';

/** The real clock: `performance.now()` and unref'd timers, so a pending check never holds a process. */
export const systemClock: Clock = Object.freeze({
  now: (): number => performance.now(),
  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return () => clearTimeout(handle);
  },
});

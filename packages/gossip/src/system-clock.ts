import type { Clock } from './clock.js';

/**
 * The real clock: monotonic milliseconds (`performance.now()`) and `setTimeout` timers.
 * Timers are unref'd, so only the gossip socket keeps a process alive, never a pending probe.
 */
export const systemClock: Clock = Object.freeze({
  now: (): number => performance.now(),
  setTimer(delayMs: number, callback: () => void): () => void {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
});

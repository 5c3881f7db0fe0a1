/**
 * Notices that this process was not scheduled for a while (SIGSTOP, a long GC, CPU starvation, a
 * jump of the injected clock): a timer that fires more than `thresholdMs` after it was due means
 * the whole node stood still. Verdicts that span such a stall say nothing about the peers.
 */
export class PauseGuard {
  private lastWakeAt = Number.NEGATIVE_INFINITY;
  private stalls = 0;

  constructor(private readonly thresholdMs: number) {}

  /** Stalls noticed so far. */
  get count(): number {
    return this.stalls;
  }

  /**
   * Called as a timer due at `dueAt` fires at `now`. Returns the stall length in ms when this is
   * the first late timer of a new stall, else 0.
   */
  observe(dueAt: number, now: number): number {
    const late = now - dueAt;
    if (late <= this.thresholdMs) return 0;
    // Every timer that was due during the stall fires late at once: count the stall once.
    const isNew = dueAt > this.lastWakeAt;
    this.lastWakeAt = now;
    if (!isNew) return 0;
    this.stalls++;
    return late;
  }

  /** True if a stall ended at or after `since`: anything measured from `since` is unreliable. */
  stalledSince(since: number): boolean {
    return this.lastWakeAt >= since;
  }
}

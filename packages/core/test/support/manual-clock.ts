import type { CancelTimer, Clock } from '../../src/index.js';

/** A virtual clock: time moves only when the test calls `advance`. */
export class ManualClock implements Clock {
  readonly kind = 'wall';
  #now: number;
  #timers: Array<{ at: number; callback: () => void; id: number }> = [];
  #nextId = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const id = this.#nextId++;
    this.#timers.push({ at: this.#now + Math.max(0, delayMs), callback, id });
    return () => {
      this.#timers = this.#timers.filter((timer) => timer.id !== id);
    };
  }

  /** Timers still scheduled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward, running due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = target;
  }
}

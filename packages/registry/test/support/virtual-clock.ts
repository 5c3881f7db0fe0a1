import type { CancelTimer, Clock } from '@rpcnet/gossip';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/** A clock that only moves when the test advances it; timers fire in due order. */
export class VirtualClock implements Clock {
  readonly kind = 'monotonic';
  private time = 0;
  private order = 0;
  private readonly timers = new Set<Timer>();

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: Timer = { at: this.time + Math.max(0, delayMs), order: this.order++, callback };
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers and letting promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flushMicrotasks();
      const next = [...this.timers]
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (next === undefined) {
        break;
      }
      this.timers.delete(next);
      this.time = next.at;
      next.callback();
    }
    this.time = end;
    await flushMicrotasks();
  }
}

/** Lets pending promise callbacks run (a bounded number of turns, no wall-clock wait). */
export async function flushMicrotasks(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) {
    await Promise.resolve();
  }
}

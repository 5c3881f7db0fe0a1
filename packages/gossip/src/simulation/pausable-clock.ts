import type { CancelTimer, MonotonicClock as Clock } from '@rpcnet/base';

/**
 * One simulated process's view of the shared clock: while paused (as under SIGSTOP) its timers
 * and received datagrams wait; on resume the overdue timers fire first, then the datagrams, as
 * Node's event loop runs the timers phase before polling sockets. Time itself keeps running.
 */
export class PausableClock implements Clock {
  readonly kind = 'monotonic' as const;
  private paused = false;
  private readonly waiting: Array<() => void> = [];
  private readonly received: Array<() => void> = [];

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now();
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    let cancelled = false;
    const cancel = this.clock.setTimer(delayMs, () => {
      if (this.paused) this.waiting.push(() => cancelled || callback());
      else callback();
    });
    return () => {
      cancelled = true;
      cancel();
    };
  }

  /** Runs `deliver` now, or on resume if paused (a datagram sitting in the socket buffer). */
  receive(deliver: () => void): void {
    if (this.paused) this.received.push(deliver);
    else deliver();
  }

  /** Stops scheduling this process. */
  pause(): void {
    this.paused = true;
  }

  /** Schedules the process again: overdue timers, then buffered datagrams. */
  resume(): void {
    this.paused = false;
    for (const run of this.waiting.splice(0)) run();
    for (const deliver of this.received.splice(0)) deliver();
  }

  get isPaused(): boolean {
    return this.paused;
  }
}

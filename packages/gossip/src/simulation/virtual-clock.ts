import type { CancelTimer, MonotonicClock } from '@rpcnet/base';

interface ScheduledTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Options of {@link VirtualClock.runUntil}. */
export interface RunUntilOptions {
  /** Give up after this much virtual time. Default 60,000 ms. */
  readonly timeoutMs?: number;
  /** Check the condition every this many virtual ms. Default 10 ms. */
  readonly stepMs?: number;
}

/**
 * A {@link MonotonicClock} whose time only moves when told to. Timers fire in due-time order (ties in the
 * order they were set), synchronously inside {@link advance}.
 */
export class VirtualClock implements MonotonicClock {
  readonly kind = 'monotonic';
  private current: number;
  private counter = 0;
  private active = 0;
  private readonly heap: ScheduledTimer[] = [];

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  /** Current virtual time in ms. */
  now(): number {
    return this.current;
  }

  /** Schedules `callback` at `now() + delayMs` (negative delays count as 0). */
  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: ScheduledTimer = {
      at: this.current + Math.max(0, delayMs),
      order: this.counter++,
      callback,
      cancelled: false,
    };
    this.push(timer);
    this.active++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.active--;
    };
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.active;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.at > end) break;
      this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.active--;
      this.current = next.at;
      next.callback();
    }
    this.current = end;
  }

  /**
   * Advances in steps until `condition()` holds (checked before each step) or `timeoutMs` of
   * virtual time passed. Returns whether the condition held.
   */
  runUntil(condition: () => boolean, options: RunUntilOptions = {}): boolean {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const stepMs = options.stepMs ?? 10;
    const deadline = this.current + timeoutMs;
    while (!condition()) {
      if (this.current >= deadline) return false;
      this.advance(Math.min(stepMs, deadline - this.current));
    }
    return true;
  }

  private push(timer: ScheduledTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: ScheduledTimer, b: ScheduledTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

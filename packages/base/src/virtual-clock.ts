import type { CancelTimer, MonotonicClock, WallClock } from './clock.js';

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

/** Which time a {@link VirtualClock} stands in for. */
export type ClockKind = (MonotonicClock | WallClock)['kind'];

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions<Kind extends ClockKind> {
  /** The time it starts at. Default 0. */
  readonly startMs?: number;
  /** `'monotonic'` (default) or `'wall'` (then start it at an epoch time). */
  readonly kind?: Kind;
}

/**
 * A clock whose time only moves when told to, for deterministic tests and simulations: a
 * {@link MonotonicClock} by default, a {@link WallClock} with `kind: 'wall'`. Timers fire in due-time
 * order (ties in the order they were set), synchronously inside {@link advance}.
 */
export class VirtualClock<Kind extends ClockKind = 'monotonic'> {
  /** The brand of the clock it stands in for. */
  readonly kind: Kind;
  private current: number;
  private counter = 0;
  private active = 0;
  /**
   * A binary heap of timers by (due time, order): the keys in typed arrays beside the timers, so
   * a sift compares numbers in two arrays instead of reading a timer object at every level (a
   * simulation of thousands of nodes keeps hundreds of thousands of timers, and each object read
   * missed the cache).
   */
  private times = new Float64Array(64);
  private orders = new Float64Array(64);
  private readonly timers: ScheduledTimer[] = [];
  private size = 0;

  /** Starts at `startMs` (default 0); a number is the start time of a monotonic clock. */
  constructor(options: number | VirtualClockOptions<Kind> = {}) {
    const resolved = typeof options === 'number' ? { startMs: options } : options;
    this.current = resolved.startMs ?? 0;
    this.kind = (resolved.kind ?? 'monotonic') as Kind;
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
    while (this.fireNext(end)) {}
    this.current = end;
  }

  /**
   * Like {@link advance} for code that awaits: lets pending promise callbacks run ({@link settle})
   * before each due timer and at the end.
   */
  async advanceSettling(ms: number): Promise<void> {
    const end = this.current + ms;
    do await settle();
    while (this.fireNext(end));
    this.current = end;
    await settle();
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

  /** Fires the earliest live timer due by `end`, moving time to it; false when there is none. */
  private fireNext(end: number): boolean {
    while (this.size > 0 && this.times[0]! <= end) {
      const next = this.timers[0]!;
      this.pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.active--;
      this.current = next.at;
      next.callback();
      return true;
    }
    return false;
  }

  private push(timer: ScheduledTimer): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(2 * this.size);
      const orders = new Float64Array(2 * this.size);
      times.set(this.times);
      orders.set(this.orders);
      this.times = times;
      this.orders = orders;
    }
    const { times, orders, timers } = this;
    let i = this.size++;
    // Parents later than the new timer move down; it goes where the first earlier one stops it.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer.at, timer.order, times[parent]!, orders[parent]!)) break;
      times[i] = times[parent]!;
      orders[i] = orders[parent]!;
      timers[i] = timers[parent]!;
      i = parent;
    }
    times[i] = timer.at;
    orders[i] = timer.order;
    timers[i] = timer;
  }

  /** Removes the root: the last timer sinks from the top to its place. */
  private pop(): void {
    const { times, orders, timers } = this;
    const last = --this.size;
    const at = times[last]!;
    const order = orders[last]!;
    const timer = timers[last]!;
    timers.length = last;
    if (last === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child =
        right < last && before(times[right]!, orders[right]!, times[left]!, orders[left]!)
          ? right
          : left;
      if (!before(times[child]!, orders[child]!, at, order)) break;
      times[i] = times[child]!;
      orders[i] = orders[child]!;
      timers[i] = timers[child]!;
      i = child;
    }
    times[i] = at;
    orders[i] = order;
    timers[i] = timer;
  }
}

/** True when due time `at` with tie-break `order` comes before `otherAt`/`otherOrder`. */
function before(at: number, order: number, otherAt: number, otherOrder: number): boolean {
  return at < otherAt || (at === otherAt && order < otherOrder);
}

/**
 * Lets pending promise callbacks (a bounded number of microtask turns) and one event-loop turn run;
 * no wall-clock wait.
 */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, setCappedTimer, systemWallClock } from '../src/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('setCappedTimer', () => {
  beforeEach(() => {
    // Fake timers reproduce Node's overflow: a delay above 2^31-1 ms fires after 1 ms.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 30-day timer after 30 days, not after the overflowed 1 ms', () => {
    const fired = vi.fn();
    setCappedTimer(30 * DAY_MS, fired);
    vi.advanceTimersByTime(10);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS - 11);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never passes setTimeout more than 2^31-1 ms', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    setCappedTimer(3 * MAX_TIMER_DELAY_MS, () => {});
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS);
    const delays = spy.mock.calls.map((call) => call[1] ?? 0);
    expect(delays).toEqual([MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS]);
    spy.mockRestore();
  });

  it('cancels before any step fires and between steps', () => {
    const early = vi.fn();
    setCappedTimer(MAX_TIMER_DELAY_MS + 5, early)();
    const late = vi.fn();
    const cancelLate = setCappedTimer(MAX_TIMER_DELAY_MS + 5, late);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 1);
    cancelLate();
    vi.advanceTimersByTime(10);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });

  it('treats negative and NaN delays as 0 and never fires an infinite one', () => {
    const fired: string[] = [];
    setCappedTimer(-5, () => fired.push('negative'));
    setCappedTimer(Number.NaN, () => fired.push('nan'));
    setCappedTimer(Number.POSITIVE_INFINITY, () => fired.push('infinite'));
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(100 * DAY_MS);
    expect(fired).toEqual(['negative', 'nan']);
  });

  it('is the timer of the system clocks', () => {
    const fired = vi.fn();
    systemWallClock.setTimer(30 * DAY_MS, fired);
    vi.advanceTimersByTime(10);
    expect(fired).not.toHaveBeenCalled();
  });
});

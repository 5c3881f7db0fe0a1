import { isMonotonicClock, isWallClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_MS, virtualMonotonicClock, virtualWallClock } from '../src/index.js';

describe('virtual clocks', () => {
  it('makes a wall clock at a realistic epoch time by default', () => {
    const clock = virtualWallClock();
    expect(isWallClock(clock)).toBe(true);
    expect(clock.now()).toBe(VIRTUAL_EPOCH_MS);
    expect(new Date(clock.now()).getUTCFullYear()).toBe(2023);
    expect(virtualWallClock(5).now()).toBe(5);
  });

  it('makes a monotonic clock at 0 by default whose timers fire when it is advanced', () => {
    const clock = virtualMonotonicClock();
    expect(isMonotonicClock(clock)).toBe(true);
    expect(clock.now()).toBe(0);
    let fired = 0;
    clock.setTimer(100, () => fired++);
    clock.advance(99);
    expect(fired).toBe(0);
    clock.advance(1);
    expect(fired).toBe(1);
    expect(virtualMonotonicClock(42).now()).toBe(42);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type MonotonicClock,
  systemMonotonicClock,
  systemWallClock,
  type WallClock,
} from '../src/index.js';

describe('system clocks', () => {
  it('brand the wall clock as epoch time and the monotonic clock as time since start', () => {
    expect(systemWallClock.kind).toBe('wall');
    expect(systemMonotonicClock.kind).toBe('monotonic');
    expect(Math.abs(systemWallClock.now() - Date.now())).toBeLessThan(1000);
    expect(systemMonotonicClock.now()).toBeLessThan(systemWallClock.now() / 2);
  });

  it('cannot be passed for one another (checked by the typechecker)', () => {
    const wantsWall = (clock: WallClock): string => clock.kind;
    const wantsMonotonic = (clock: MonotonicClock): string => clock.kind;
    // @ts-expect-error a monotonic clock counts from process start, not from the epoch
    expect(() => wantsWall(systemMonotonicClock)).not.toThrow();
    // @ts-expect-error a wall clock may jump; durations need a monotonic one
    expect(() => wantsMonotonic(systemWallClock)).not.toThrow();
  });
});

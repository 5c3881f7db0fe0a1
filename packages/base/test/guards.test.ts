import { describe, expect, it } from 'vitest';
import {
  hasMethods,
  isClock,
  isLogger,
  isMonotonicClock,
  isWallClock,
  silentLogger,
  systemMonotonicClock,
  systemWallClock,
  VirtualClock,
} from '../src/index.js';

describe('contract guards', () => {
  it('hasMethods needs an object with every named function', () => {
    expect(hasMethods({ a: () => 1, b: () => 2 }, 'a', 'b')).toBe(true);
    expect(hasMethods({ a: () => 1, b: 2 }, 'a', 'b')).toBe(false);
    expect(hasMethods(null, 'a')).toBe(false);
  });

  it('tell loggers and the two kinds of clock apart', () => {
    expect(isLogger(silentLogger)).toBe(true);
    expect(isLogger({ info: () => {} })).toBe(false);
    expect(isWallClock(systemWallClock)).toBe(true);
    expect(isWallClock(systemMonotonicClock)).toBe(false);
    expect(isMonotonicClock(new VirtualClock())).toBe(true);
    expect(isMonotonicClock(new VirtualClock({ kind: 'wall' }))).toBe(false);
    expect(isClock(systemWallClock) && isClock(systemMonotonicClock)).toBe(true);
    // A clock without its brand says nothing about its time base.
    expect(isClock({ now: () => 0, setTimer: () => () => {} })).toBe(false);
  });
});

import { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { PhiAccrualDetector, PhiDetectorSet } from '../src/index.js';

describe('PhiDetectorSet', () => {
  it('creates one detector per key on its first heartbeat and tracks them independently', () => {
    const clock = new VirtualClock(0);
    const set = new PhiDetectorSet({ clock });
    expect(set.size).toBe(0);
    expect(set.has('a')).toBe(false);
    set.heartbeat('a');
    set.heartbeat('b');
    expect(set.size).toBe(2);
    expect([...set.keys()]).toEqual(['a', 'b']);
    expect(set.get('a')).toBeInstanceOf(PhiAccrualDetector);
    for (let t = 1000; t <= 10_000; t += 1000) {
      clock.advance(t - clock.now());
      set.heartbeat('a');
    }
    clock.advance(11_300 - clock.now());
    // 'a' heard 1.3 s ago, 'b' 11.3 s ago.
    expect(set.phi('a')).toBeLessThan(set.phi('b'));
    expect(set.isAvailable('a')).toBe(true);
    expect(set.isAvailable('b')).toBe(false);
    expect(set.get('a')?.lastHeartbeat).toBe(10_000);
    expect([...set.entries()].map(([key]) => key)).toEqual(['a', 'b']);
  });

  it('reports phi 0 and available for unknown keys without creating them', () => {
    const set = new PhiDetectorSet<number>();
    expect(set.phi(7, 1000)).toBe(0);
    expect(set.isAvailable(7, 1000)).toBe(true);
    expect(set.get(7)).toBeUndefined();
    expect(set.size).toBe(0);
  });

  it('removes and clears peers', () => {
    const set = new PhiDetectorSet();
    set.heartbeat('a', 0);
    set.heartbeat('b', 0);
    expect(set.remove('a')).toBe(true);
    expect(set.remove('a')).toBe(false);
    expect(set.has('a')).toBe(false);
    expect(set.phi('a', 100_000)).toBe(0);
    set.clear();
    expect(set.size).toBe(0);
  });

  it('applies its options to every peer', () => {
    const set = new PhiDetectorSet({ threshold: 3, model: 'exponential' });
    set.heartbeat('x', 0);
    expect(set.get('x')?.threshold).toBe(3);
    expect(set.get('x')?.model).toBe('exponential');
  });

  it('rejects invalid timestamps, and a rejected first heartbeat leaves no peer behind', () => {
    const set = new PhiDetectorSet();
    expect(() => set.heartbeat('a', Number.NaN)).toThrow(/^now must be/);
    expect(set.has('a')).toBe(false);
    expect(() => set.phi('a', -5)).toThrow(RangeError);
    expect(() => set.isAvailable('a', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

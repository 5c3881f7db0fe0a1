import { describe, expect, it } from 'vitest';
import { type MonotonicClock, VirtualClock, type WallClock } from '../src/index.js';

describe('VirtualClock', () => {
  it('stands in for a monotonic clock by default and for a wall clock when asked', () => {
    const monotonic: MonotonicClock = new VirtualClock(5);
    const wall: WallClock = new VirtualClock({ kind: 'wall', startMs: 1_700_000_000_000 });
    expect([monotonic.kind, monotonic.now()]).toEqual(['monotonic', 5]);
    expect([wall.kind, wall.now()]).toEqual(['wall', 1_700_000_000_000]);
  });

  it('fires due timers in order, ties in the order set, and skips cancelled ones', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(20, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(15, () => fired.push('cancelled'))();
    expect(clock.pendingTimers).toBe(3);
    clock.advance(19);
    expect(fired).toEqual(['a@10']);
    clock.advance(100);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(119);
    expect(clock.pendingTimers).toBe(0);
  });

  it('advanceSettling lets awaited work run between timers', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
    void (async () => {
      await sleep(10);
      fired.push(`first@${clock.now()}`);
      await sleep(10);
      fired.push(`second@${clock.now()}`);
    })();
    await clock.advanceSettling(25);
    expect(fired).toEqual(['first@10', 'second@20']);
    expect(clock.now()).toBe(25);
  });
});

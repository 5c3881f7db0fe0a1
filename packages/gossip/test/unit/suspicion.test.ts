import { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { Awareness } from '../../src/awareness.js';
import { Suspicion, suspicionTimeoutBounds, suspicionTimeoutMs } from '../../src/suspicion.js';

describe('suspicion timeouts', () => {
  it('scale with log10(n), never below 1, and the max multiplier', () => {
    expect(suspicionTimeoutBounds(0, 1000, 4, 6)).toEqual({ minMs: 4000, maxMs: 24_000 });
    expect(suspicionTimeoutBounds(5, 1000, 4, 6)).toEqual({ minMs: 4000, maxMs: 24_000 });
    expect(suspicionTimeoutBounds(10, 1000, 4, 6)).toEqual({ minMs: 4000, maxMs: 24_000 });
    expect(suspicionTimeoutBounds(100, 1000, 4, 6)).toEqual({ minMs: 8000, maxMs: 48_000 });
    expect(suspicionTimeoutBounds(1000, 500, 5, 2)).toEqual({ minMs: 7500, maxMs: 15_000 });
  });

  it('fall from max to min as log(c + 1) / log(k + 1) of the expected confirmations arrive', () => {
    expect(suspicionTimeoutMs(0, 2, 4000, 24_000)).toBe(24_000);
    // log 2 / log 3 = 0.631 of the way down (a linear 1/2 would give 14,000 ms).
    expect(suspicionTimeoutMs(1, 2, 4000, 24_000)).toBe(11_381);
    expect(suspicionTimeoutMs(2, 2, 4000, 24_000)).toBe(4000);
    // k = 3: log 2 / log 4 = 1/2 and log 3 / log 4 = 0.792 (linear: 1/3 and 2/3).
    expect(suspicionTimeoutMs(1, 3, 1000, 6000)).toBe(3500);
    expect(suspicionTimeoutMs(2, 3, 1000, 6000)).toBe(2037);
    expect(suspicionTimeoutMs(3, 3, 1000, 6000)).toBe(1000);
    // 2037.6 above is rounded down; extra confirmations never go below the minimum.
    expect(suspicionTimeoutMs(9, 2, 4000, 24_000)).toBe(4000);
    expect(suspicionTimeoutMs(0, 0, 4000, 24_000)).toBe(4000);
    // One expected confirmation: the max until it arrives, then the min.
    expect(suspicionTimeoutMs(0, 1, 1000, 6000)).toBe(6000);
    expect(suspicionTimeoutMs(1, 1, 1000, 6000)).toBe(1000);
  });

  it('knows when it started, and stays cancelled: no confirmation restarts it', () => {
    const clock = new VirtualClock(500);
    let fired = 0;
    const suspicion = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 2,
      minMs: 1000,
      maxMs: 6000,
      onTimeout: () => fired++,
    });
    expect(suspicion.started).toBe(500);
    suspicion.cancel();
    expect(() => suspicion.cancel()).not.toThrow();
    expect(suspicion.confirm('b')).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10_000);
    expect(fired).toBe(0);
  });

  it('fires after the max timeout without confirmations', () => {
    const clock = new VirtualClock();
    let fired = 0;
    new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 2,
      minMs: 100,
      maxMs: 600,
      onTimeout: () => fired++,
    });
    clock.advance(599);
    expect(fired).toBe(0);
    clock.advance(1);
    expect(fired).toBe(1);
  });

  it('fires sooner with independent confirmations, ignoring repeats and the originator', () => {
    const clock = new VirtualClock();
    let firedAt = -1;
    const suspicion = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 2,
      minMs: 100,
      maxMs: 600,
      onTimeout: () => {
        firedAt = clock.now();
      },
    });
    expect(suspicion.confirm('a')).toBe(false);
    expect(suspicion.confirm('b')).toBe(true);
    expect(suspicion.confirm('b')).toBe(false);
    expect(suspicion.confirm('c')).toBe(true);
    expect(suspicion.confirm('d')).toBe(false);
    clock.advance(1000);
    expect(firedAt).toBe(100);
  });

  it('counts the shortened timeout from the start of the suspicion, not from the confirmation', () => {
    const clock = new VirtualClock();
    const firedAt: number[] = [];
    const suspicion = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 2,
      minMs: 100,
      maxMs: 600,
      onTimeout: () => firedAt.push(clock.now()),
    });
    clock.advance(50);
    expect(suspicion.confirm('b')).toBe(true);
    expect(suspicion.confirmations).toBe(1);
    // 600 - (log 2 / log 3) x 500 = 284.5
    clock.advance(233);
    expect(firedAt).toEqual([]);
    clock.advance(1);
    expect(firedAt).toEqual([284]);
    // Done: a late confirmation neither counts nor fires again.
    expect(suspicion.confirm('c')).toBe(false);
    clock.advance(1000);
    expect(firedAt).toEqual([284]);
  });

  it('fires leadMs before the timeout, so a final check can end at the deadline', () => {
    const clock = new VirtualClock();
    const firedAt: number[] = [];
    const suspicion = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 2,
      minMs: 1000,
      maxMs: 6000,
      leadMs: 400,
      onTimeout: () => firedAt.push(clock.now()),
    });
    clock.advance(5000);
    expect(firedAt).toEqual([]);
    // Two confirmations bring the timeout to minMs; the callback is then overdue and runs at once.
    suspicion.confirm('b');
    suspicion.confirm('c');
    clock.advance(0);
    expect(firedAt).toEqual([5000]);
    const early = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 0,
      minMs: 1000,
      maxMs: 6000,
      leadMs: 400,
      onTimeout: () => firedAt.push(clock.now()),
    });
    expect(early.confirmations).toBe(0);
    clock.advance(1000);
    expect(firedAt).toEqual([5000, 5600]);
  });

  it('never fires once cancelled', () => {
    const clock = new VirtualClock();
    let fired = 0;
    const suspicion = new Suspicion({
      clock,
      from: 'a',
      expectedConfirmations: 0,
      minMs: 10,
      maxMs: 10,
      onTimeout: () => fired++,
    });
    suspicion.cancel();
    clock.advance(100);
    expect(fired).toBe(0);
  });
});

describe('Awareness', () => {
  it('stretches timeouts by score + 1, clamped to 0..max-1', () => {
    const awareness = new Awareness(8);
    expect(awareness.scale(500)).toBe(500);
    awareness.apply(3);
    expect(awareness.scale(500)).toBe(2000);
    awareness.apply(100);
    expect(awareness.score).toBe(7);
    awareness.apply(-100);
    expect(awareness.score).toBe(0);
  });
});

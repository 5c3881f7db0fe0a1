import { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { Awareness } from '../../src/awareness.js';
import { Suspicion, suspicionTimeoutBounds, suspicionTimeoutMs } from '../../src/suspicion.js';

describe('suspicion timeouts', () => {
  it('scale with log10(n) and the max multiplier', () => {
    expect(suspicionTimeoutBounds(5, 1000, 4, 6)).toEqual({ minMs: 4000, maxMs: 24_000 });
    expect(suspicionTimeoutBounds(100, 1000, 4, 6)).toEqual({ minMs: 8000, maxMs: 48_000 });
  });

  it('fall from max to min as confirmations arrive (Lifeguard)', () => {
    expect(suspicionTimeoutMs(0, 2, 4000, 24_000)).toBe(24_000);
    const one = suspicionTimeoutMs(1, 2, 4000, 24_000);
    expect(one).toBeLessThan(24_000);
    expect(one).toBeGreaterThan(4000);
    expect(suspicionTimeoutMs(2, 2, 4000, 24_000)).toBe(4000);
    expect(suspicionTimeoutMs(0, 0, 4000, 24_000)).toBe(4000);
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

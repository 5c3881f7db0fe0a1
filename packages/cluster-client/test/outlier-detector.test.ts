import { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { type OutlierDetectionOptions, OutlierDetector } from '../src/outlier-detector.js';

const options: OutlierDetectionOptions = {
  enabled: true,
  consecutiveFailures: 2,
  baseEjectionMs: 1000,
  multiplier: 2,
  maxEjectionMs: 4000,
  maxEjectionFraction: 0.5,
};

function detector(
  clock: VirtualClock<'wall'>,
  workers = 4,
  overrides: Partial<OutlierDetectionOptions> = {},
) {
  return new OutlierDetector({ ...options, ...overrides }, clock, () => workers);
}

describe('OutlierDetector', () => {
  it('ejects a worker after the threshold of consecutive failures', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    expect(outliers.recordFailure('w1')).toBe(false);
    expect(outliers.isEjected('w1')).toBe(false);
    expect(outliers.recordFailure('w1')).toBe(true);
    expect(outliers.ejected()).toEqual(['w1']);
    expect(outliers.remainingMs('w1')).toBe(1000);
    expect(outliers.ejections).toBe(1);
  });

  it('counts only consecutive failures: a success in between resets the count', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    for (let i = 0; i < 5; i += 1) {
      outliers.recordFailure('w1');
      outliers.recordSuccess('w1');
    }
    expect(outliers.isEjected('w1')).toBe(false);
    expect(outliers.ejections).toBe(0);
  });

  it('re-admits after the period, on probation: one failure ejects again, a success ends it', async () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    outliers.recordFailure('w1');
    outliers.recordFailure('w1');
    await clock.advanceSettling(999);
    expect(outliers.isEjected('w1')).toBe(true);
    await clock.advanceSettling(1);
    expect(outliers.isEjected('w1')).toBe(false);
    outliers.recordSuccess('w1');
    expect(outliers.recordFailure('w1')).toBe(false);
    expect(outliers.recordFailure('w1')).toBe(true);
  });

  it('grows the period exponentially on repeated ejections up to the cap, then forgets after a quiet period', async () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    outliers.recordFailure('w1');
    outliers.recordFailure('w1');
    const periods = [outliers.remainingMs('w1')];
    for (let i = 0; i < 3; i += 1) {
      await clock.advanceSettling(outliers.remainingMs('w1'));
      expect(outliers.recordFailure('w1')).toBe(true);
      periods.push(outliers.remainingMs('w1'));
    }
    expect(periods).toEqual([1000, 2000, 4000, 4000]);
    // Admitted for maxEjectionMs without being ejected: the next ejection starts from the base.
    await clock.advanceSettling(4000 + 4000);
    outliers.recordFailure('w1');
    outliers.recordFailure('w1');
    expect(outliers.remainingMs('w1')).toBe(1000);
  });

  it('ignores failures of calls that were running when the worker was ejected', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    outliers.recordFailure('w1');
    outliers.recordFailure('w1');
    expect(outliers.recordFailure('w1')).toBe(false);
    expect(outliers.remainingMs('w1')).toBe(1000);
    expect(outliers.ejections).toBe(1);
  });

  it('never ejects more than maxEjectionFraction of the known workers', async () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock, 5);
    for (const id of ['w1', 'w2', 'w3', 'w4', 'w5']) {
      outliers.recordFailure(id);
      outliers.recordFailure(id);
    }
    // floor(0.5 * 5) = 2
    expect(outliers.ejected()).toEqual(['w1', 'w2']);
    // Once one is re-admitted, a held-back worker's next failure ejects it.
    await clock.advanceSettling(1000);
    expect(outliers.ejected()).toEqual([]);
    expect(outliers.recordFailure('w3')).toBe(true);
    expect(outliers.ejected()).toEqual(['w3']);
  });

  it('ejects nobody when the only worker fails', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock, 1);
    for (let i = 0; i < 10; i += 1) outliers.recordFailure('w1');
    expect(outliers.ejected()).toEqual([]);
  });

  it('forgets a worker: its count and ejection are gone', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock);
    outliers.recordFailure('w1');
    outliers.recordFailure('w1');
    outliers.forget('w1');
    expect(outliers.isEjected('w1')).toBe(false);
    expect(outliers.recordFailure('w1')).toBe(false);
  });

  it('does nothing when disabled', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const outliers = detector(clock, 4, { enabled: false });
    for (let i = 0; i < 10; i += 1) expect(outliers.recordFailure('w1')).toBe(false);
    expect(outliers.ejected()).toEqual([]);
  });
});

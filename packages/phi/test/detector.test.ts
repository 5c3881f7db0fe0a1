import { createSeededRandom as seededRandom, VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { PHI_DEFAULTS, PhiAccrualDetector } from '../src/index.js';

describe('PhiAccrualDetector before and at the first heartbeat', () => {
  it('reports phi 0, available and empty stats before any heartbeat', () => {
    const detector = new PhiAccrualDetector({ clock: new VirtualClock(5000) });
    expect(detector.phi()).toBe(0);
    expect(detector.phi(1e9)).toBe(0);
    expect(detector.isAvailable()).toBe(true);
    expect(detector.sampleCount).toBe(0);
    expect(detector.mean).toBe(0);
    expect(detector.stdDeviation).toBe(0);
    expect(detector.lastHeartbeat).toBeUndefined();
  });

  it('seeds the window from firstHeartbeatEstimateMs at exactly one heartbeat', () => {
    const detector = new PhiAccrualDetector({ firstHeartbeatEstimateMs: 1000 });
    detector.heartbeat(10_000);
    expect(detector.lastHeartbeat).toBe(10_000);
    expect(detector.sampleCount).toBe(2);
    expect(detector.mean).toBe(1000);
    expect(detector.stdDeviation).toBe(250);
    // mean 1000, sd 250 (above the 100 ms floor): values from the formula table.
    expect(detector.phi(11_000)).toBeCloseTo(0.3010299956639812, 12);
    expect(detector.phi(12_000)).toBeCloseTo(4.736694582705181, 12);
  });

  it('uses the injected clock when now is omitted', () => {
    const clock = new VirtualClock(1000);
    const detector = new PhiAccrualDetector({ clock });
    detector.heartbeat();
    clock.advance(2000);
    expect(detector.lastHeartbeat).toBe(1000);
    expect(detector.phi()).toBeCloseTo(4.736694582705181, 12);
  });
});

describe('PhiAccrualDetector availability', () => {
  it('is unavailable from the moment phi reaches the threshold, not only above it', () => {
    const probe = new PhiAccrualDetector({ firstHeartbeatEstimateMs: 1000 });
    probe.heartbeat(10_000);
    const threshold = probe.phi(12_000);
    const detector = new PhiAccrualDetector({ firstHeartbeatEstimateMs: 1000, threshold });
    detector.heartbeat(10_000);
    expect(detector.phi(12_000)).toBe(threshold);
    expect(detector.isAvailable(11_999)).toBe(true);
    expect(detector.isAvailable(12_000)).toBe(false);
  });
});

describe('PhiAccrualDetector statistics and phi', () => {
  it('matches phi computed independently for a known window', () => {
    const detector = new PhiAccrualDetector();
    let t = 0;
    detector.heartbeat(t);
    for (const interval of [900, 1100, 1000, 1200, 800]) {
      t += interval;
      detector.heartbeat(t);
    }
    // Window = seeds 750, 1250 plus the five intervals: mean 1000, population sd 179.284...
    expect(detector.sampleCount).toBe(7);
    expect(detector.mean).toBeCloseTo(1000, 9);
    expect(detector.stdDeviation).toBeCloseTo(179.28429140015905, 9);
    const table: Array<[elapsed: number, phi: number]> = [
      [1000, 0.3010299956639812],
      [1300, 1.325605982243263],
      [1600, 3.470842995693762],
      [2000, 9.18805081277176],
    ];
    for (const [elapsed, phi] of table) {
      expect(detector.phi(t + elapsed)).toBeCloseTo(phi, 9);
    }
  });

  it('floors identical intervals (zero variance) at minStdDeviationMs', () => {
    const detector = new PhiAccrualDetector({ maxSampleSize: 10, minStdDeviationMs: 100 });
    for (let i = 0; i <= 20; i++) detector.heartbeat(i * 1000);
    expect(detector.stdDeviation).toBe(0);
    expect(detector.mean).toBe(1000);
    expect(detector.phi(20_000 + 1200)).toBeCloseTo(1.6428278854871123, 12);
    expect(Number.isFinite(detector.phi(20_000 + 1000))).toBe(true);
  });

  it('adds acceptableHeartbeatPauseMs to the mean of the normal model', () => {
    const detector = new PhiAccrualDetector({ maxSampleSize: 4, acceptableHeartbeatPauseMs: 500 });
    for (let i = 0; i <= 8; i++) detector.heartbeat(i * 1000);
    // mean 1000 + pause 500 = 1500, sd floored to 100: phi(1500) = log10(2).
    expect(detector.phi(8000 + 1500)).toBeCloseTo(0.3010299956639812, 12);
  });

  it('computes the exponential model from the window mean, after the acceptable pause', () => {
    const detector = new PhiAccrualDetector({
      model: 'exponential',
      maxSampleSize: 4,
      acceptableHeartbeatPauseMs: 1000,
    });
    for (let i = 0; i <= 8; i++) detector.heartbeat(i * 1000);
    expect(detector.model).toBe('exponential');
    expect(detector.phi(8000 + 500)).toBe(0);
    expect(detector.phi(8000 + 1000 + 1000 * Math.LN10)).toBeCloseTo(1.0000000000000002, 12);
    expect(detector.phi(8000 + 1000 + 18420.68)).toBeCloseTo(7.999999676905593, 12);
  });

  it('grows monotonically with silence and drops back after a heartbeat', () => {
    for (const model of ['normal', 'exponential'] as const) {
      const detector = new PhiAccrualDetector({ model });
      for (let i = 0; i <= 10; i++) detector.heartbeat(i * 1000);
      let previous = -1;
      for (let elapsed = 0; elapsed <= 20_000; elapsed += 10) {
        const phi = detector.phi(10_000 + elapsed);
        expect(phi).toBeGreaterThanOrEqual(previous);
        previous = phi;
      }
      expect(previous).toBeGreaterThan(PHI_DEFAULTS.threshold);
      expect(detector.isAvailable(30_000)).toBe(false);
      detector.heartbeat(30_000);
      expect(detector.phi(30_000)).toBeLessThan(1);
      expect(detector.isAvailable(30_000)).toBe(true);
    }
  });

  it('stays available through normal jitter and turns unavailable within 1.6 s of silence', () => {
    // Heartbeats every 1000 ms +/- 100 ms (uniform, seeded). With sd floored at 100 ms the normal
    // model crosses phi 8 about 1523 ms after the last heartbeat, so the stated bound is 1600 ms.
    const random = seededRandom(42);
    const clock = new VirtualClock(0);
    const detector = new PhiAccrualDetector({ clock });
    detector.heartbeat();
    for (let beat = 0; beat < 300; beat++) {
      const interval = 900 + random() * 200;
      const next = clock.now() + interval;
      while (clock.now() + 10 < next) {
        clock.advance(10);
        expect(detector.isAvailable()).toBe(true);
      }
      clock.advance(next - clock.now());
      expect(detector.isAvailable()).toBe(true);
      detector.heartbeat();
    }
    const lastBeat = clock.now();
    while (detector.isAvailable()) {
      clock.advance(1);
      expect(clock.now() - lastBeat).toBeLessThanOrEqual(1600);
    }
    expect(clock.now() - lastBeat).toBeGreaterThan(1100);
  });

  it('gives a large finite phi for huge gaps, in both models', () => {
    for (const model of ['normal', 'exponential'] as const) {
      const detector = new PhiAccrualDetector({ model });
      detector.heartbeat(0);
      detector.heartbeat(1000);
      const dayLater = detector.phi(1000 + 86_400_000);
      const yearsLater = detector.phi(1000 + 1e12);
      expect(Number.isFinite(dayLater)).toBe(true);
      expect(Number.isFinite(yearsLater)).toBe(true);
      expect(yearsLater).toBeGreaterThan(dayLater);
      expect(detector.isAvailable(1000 + 86_400_000)).toBe(false);
    }
  });
});

describe('PhiAccrualDetector edge cases of time', () => {
  it('treats a clock going backwards as zero elapsed and records no interval', () => {
    const detector = new PhiAccrualDetector();
    detector.heartbeat(5000);
    detector.heartbeat(6000);
    const atLast = detector.phi(6000);
    expect(detector.phi(5500)).toBe(atLast);
    expect(detector.phi(0)).toBe(atLast);
    const samples = detector.sampleCount;
    const mean = detector.mean;
    detector.heartbeat(4000);
    detector.heartbeat(6000);
    expect(detector.sampleCount).toBe(samples);
    expect(detector.mean).toBe(mean);
    expect(detector.lastHeartbeat).toBe(6000);
    detector.heartbeat(7000);
    expect(detector.sampleCount).toBe(samples + 1);
    expect(detector.lastHeartbeat).toBe(7000);
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects now = %d with a RangeError naming the argument',
    (bad) => {
      const detector = new PhiAccrualDetector();
      detector.heartbeat(0);
      expect(() => detector.heartbeat(bad)).toThrow(RangeError);
      expect(() => detector.heartbeat(bad)).toThrow(/^now must be/);
      expect(() => detector.phi(bad)).toThrow(/^now must be/);
      expect(() => detector.isAvailable(bad)).toThrow(/^now must be/);
      expect(detector.lastHeartbeat).toBe(0);
      expect(detector.sampleCount).toBe(2);
    },
  );

  it('rejects an invalid reading of the injected clock, naming clock.now()', () => {
    const detector = new PhiAccrualDetector({ clock: { now: () => Number.NaN } });
    expect(() => detector.heartbeat()).toThrow(RangeError);
    expect(() => detector.phi()).toThrow(/^clock\.now\(\) must be/);
  });

  it('reset forgets all heartbeats', () => {
    const detector = new PhiAccrualDetector();
    detector.heartbeat(0);
    detector.heartbeat(1000);
    detector.reset();
    expect(detector.sampleCount).toBe(0);
    expect(detector.lastHeartbeat).toBeUndefined();
    expect(detector.phi(100_000)).toBe(0);
    detector.heartbeat(200_000);
    expect(detector.sampleCount).toBe(2);
    expect(detector.mean).toBe(PHI_DEFAULTS.firstHeartbeatEstimateMs);
  });
});

describe('PhiAccrualDetector window eviction', () => {
  it('stops old samples (and the seeds) from influencing the statistics', () => {
    const detector = new PhiAccrualDetector({ maxSampleSize: 10 });
    let t = 0;
    detector.heartbeat(t);
    for (let i = 0; i < 10; i++) {
      t += 1000;
      detector.heartbeat(t);
    }
    expect(detector.sampleCount).toBe(10);
    expect(detector.mean).toBe(1000);
    expect(detector.stdDeviation).toBe(0);
    for (let i = 0; i < 5; i++) {
      t += 500;
      detector.heartbeat(t);
    }
    expect(detector.mean).toBe(750);
    expect(detector.stdDeviation).toBe(250);
    for (let i = 0; i < 5; i++) {
      t += 500;
      detector.heartbeat(t);
    }
    expect(detector.sampleCount).toBe(10);
    expect(detector.mean).toBe(500);
    expect(detector.stdDeviation).toBe(0);
  });

  it('recovers exact statistics after huge intervals leave the window (no drift)', () => {
    const size = 50;
    const detector = new PhiAccrualDetector({ maxSampleSize: size });
    const random = seededRandom(7);
    let t = 0;
    detector.heartbeat(t);
    // Huge intervals make every add/subtract of the running sum of squares lose precision.
    for (let i = 0; i < 20_000; i++) {
      t += 1e9 * random() + 1;
      detector.heartbeat(t);
    }
    // Then two full turns of small intervals: the statistics must describe only these.
    const small: number[] = [];
    for (let i = 0; i < 2 * size; i++) {
      const before = t;
      t += 900 + 200 * random();
      small.push(t - before);
      detector.heartbeat(t);
    }
    const recent = small.slice(-size);
    const mean = recent.reduce((a, b) => a + b, 0) / size;
    const variance = recent.reduce((a, b) => a + (b - mean) ** 2, 0) / size;
    expect(Math.abs(detector.mean / mean - 1)).toBeLessThan(1e-9);
    expect(Math.abs(detector.stdDeviation / Math.sqrt(variance) - 1)).toBeLessThan(1e-6);
  });
});

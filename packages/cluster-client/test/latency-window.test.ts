import { describe, expect, it } from 'vitest';
import { adaptiveTimeoutMs, hedgeDelayMs } from '../src/adaptive-timing.js';
import { CLUSTER_CLIENT_DEFAULTS } from '../src/index.js';
import { LATENCY_WINDOW_SIZE, LatencyWindow } from '../src/latency-window.js';

function windowOf(samples: readonly number[]): LatencyWindow {
  const window = new LatencyWindow();
  for (const sample of samples) window.record(sample);
  return window;
}

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles of the samples', () => {
    const window = windowOf(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(window.percentile(0.5)).toBe(50);
    expect(window.percentile(0.99)).toBe(99);
    expect(window.percentile(1)).toBe(100);
    expect(new LatencyWindow().percentile(0.5)).toBeUndefined();
  });

  it('keeps only the most recent samples', () => {
    const window = windowOf([
      ...Array.from({ length: LATENCY_WINDOW_SIZE }, () => 1000),
      ...Array.from({ length: LATENCY_WINDOW_SIZE }, () => 5),
    ]);
    expect(window.count).toBe(LATENCY_WINDOW_SIZE);
    expect(window.percentile(1)).toBe(5);
  });

  it('ignores samples that are not finite non-negative numbers', () => {
    const window = windowOf([Number.NaN, -1, Number.POSITIVE_INFINITY, 7]);
    expect(window.count).toBe(1);
    expect(window.percentile(0.5)).toBe(7);
  });
});

describe('adaptive timing with the default options', () => {
  const { adaptiveTimeout, hedging } = CLUSTER_CLIENT_DEFAULTS;

  it('has no attempt timeout and no hedge before 20 samples', () => {
    const window = windowOf(Array.from({ length: 19 }, () => 10));
    expect(adaptiveTimeoutMs(window, adaptiveTimeout)).toBeUndefined();
    expect(hedgeDelayMs(window, { ...hedging, enabled: true })).toBeUndefined();
  });

  it('times attempts out at p99 x3, at least 200 ms', () => {
    expect(adaptiveTimeoutMs(windowOf(Array.from({ length: 20 }, () => 2)), adaptiveTimeout)).toBe(
      200,
    );
    const slow = windowOf([...Array.from({ length: 98 }, () => 100), 400, 500]);
    expect(adaptiveTimeoutMs(slow, adaptiveTimeout)).toBe(1200);
  });

  it('gives no attempt timeout to a method slower than 5000 ms / 3 at p99', () => {
    const window = windowOf(Array.from({ length: 50 }, () => 2000));
    expect(adaptiveTimeoutMs(window, adaptiveTimeout)).toBeUndefined();
  });

  it('hedges after twice the median, which a slow third of the samples does not move', () => {
    const window = windowOf([
      ...Array.from({ length: 40 }, () => 20),
      ...Array.from({ length: 20 }, () => 200),
    ]);
    expect(hedgeDelayMs(window, hedging)).toBeUndefined();
    expect(hedgeDelayMs(window, { ...hedging, enabled: true })).toBe(40);
  });
});

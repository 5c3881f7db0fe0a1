import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketHistogram } from '../src/bucket-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.7, 3, 12];

describe('BucketHistogram', () => {
  it('exposes exactly what a prom-client Histogram shows for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const config = { name: 'h', help: 'help', labelNames: ['method', 'code'] as const };
    const histogram = new BucketHistogram({ ...config, buckets: BUCKETS, registers: [ours] });
    const reference = new Histogram({
      ...config,
      labelNames: [...config.labelNames],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const ok = histogram.series({ method: 'echo', code: 'OK' });
    const failed = histogram.series({ method: 'echo', code: 'UNAVAILABLE' });
    histogram.series({ method: 'never', code: 'OK' });
    for (const value of OBSERVED) {
      ok.observe(value);
      reference.observe({ method: 'echo', code: 'OK' }, value);
    }
    failed.observe(0.2);
    reference.observe({ method: 'echo', code: 'UNAVAILABLE' }, 0.2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client's JSON also carries an empty exemplar slot per value; ours has none.
    const withoutExemplars = (await theirs.getMetricsAsJSON()).map((metric) => ({
      ...metric,
      values: metric.values.map((value) => {
        const { exemplar: _, ...rest } = value as typeof value & { exemplar?: unknown };
        return rest;
      }),
    }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
  });

  it('forgets every observation on reset, like prom-client', async () => {
    const registry = new Registry();
    const histogram = new BucketHistogram({
      name: 'h',
      help: 'help',
      labelNames: ['method'],
      buckets: BUCKETS,
      registers: [registry],
    });
    const series = histogram.series({ method: 'echo' });
    series.observe(0.5);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe('# HELP h help\n# TYPE h histogram\n');
    series.observe(0.05);
    expect(await registry.metrics()).toContain('h_bucket{le="0.1",method="echo"} 1');
    expect(await registry.metrics()).toContain('h_count{method="echo"} 1');
  });
});

import { Counter, Gauge, type Registry } from 'prom-client';

/** Values of one metric read at scrape time: one entry per label set. */
export type Samples = ReadonlyArray<readonly [labels: Record<string, string>, value: number]>;

interface ScrapeTimeOptions {
  readonly registry: Registry;
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Read on every scrape; a source that cannot answer (not started) returns no samples. */
  readonly read: () => Samples;
}

/** A gauge whose values are read from their source on each scrape. */
export function scrapeTimeGauge(options: ScrapeTimeOptions): Gauge<string> {
  const { read } = options;
  return new Gauge({
    name: options.name,
    help: options.help,
    labelNames: [...(options.labelNames ?? [])],
    registers: [options.registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

/**
 * A counter whose totals are read on each scrape from a source that keeps them (a `metrics()`
 * snapshot), so nothing is counted twice on the source's hot path.
 */
export function scrapeTimeCounter(options: ScrapeTimeOptions): Counter<string> {
  const { read } = options;
  return new Counter({
    name: options.name,
    help: options.help,
    labelNames: [...(options.labelNames ?? [])],
    registers: [options.registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** `read`, or no samples when the source throws (e.g. a cluster not started yet). */
export function whenReadable<T>(read: () => T, samples: (value: T) => Samples): () => Samples {
  return () => {
    let value: T;
    try {
      value = read();
    } catch {
      return [];
    }
    return samples(value);
  };
}

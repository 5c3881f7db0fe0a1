import { Histogram, type LabelValues, type MetricObjectWithValues } from 'prom-client';

type HistogramValues<T extends string> = Awaited<ReturnType<Histogram<T>['get']>>['values'];

/** One labelled series of a {@link BucketHistogram}: plain counts, one loop per observation. */
export class HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last slot is above the highest bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index += 1;
    this.counts[index] = (this.counts[index] as number) + 1;
    this.sum += value;
    this.count += 1;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A prom-client histogram whose series are plain counters the caller keeps and observes
 * directly: prom-client's own `observe` checks and hashes the label values on every call, this
 * hands the counts over only when the registry is scraped. Exposition is the same.
 */
export class BucketHistogram<T extends string> extends Histogram<T> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #series: HistogramSeries[] = [];

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly T[];
    buckets: readonly number[];
    registers: ConstructorParameters<typeof Histogram<T>>[0]['registers'];
  }) {
    super({ ...config, labelNames: [...config.labelNames], buckets: [...config.buckets] });
    this.#name = config.name;
    this.#help = config.help;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** A new series with `labels` (one per label set: the caller keeps it). */
  series(labels: LabelValues<T>): HistogramSeries {
    const series = new HistogramSeries(labels as Record<string, string>, this.#bounds);
    this.#series.push(series);
    return series;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    if (!(#series in this)) return;
    for (const series of this.#series) series.reset();
  }

  override async get(): Promise<MetricObjectWithValues<HistogramValues<T>[number]>> {
    return {
      name: this.#name,
      help: this.#help,
      type: 'histogram',
      values: this.#values(),
      aggregator: 'sum',
    } as unknown as MetricObjectWithValues<HistogramValues<T>[number]>;
  }

  /** What the registry's text exposition reads (prom-client prefers it to `get`). */
  async getForPromString(): Promise<MetricObjectWithValues<HistogramValues<T>[number]>> {
    return this.get();
  }

  #values(): HistogramValues<T> {
    const values: Array<{
      labels: Record<string, string | number>;
      value: number;
      metricName: string;
    }> = [];
    const bucket = `${this.#name}_bucket`;
    for (const series of this.#series) {
      // Like prom-client's own: a series shows once it has an observation.
      if (series.count === 0) continue;
      let cumulative = 0;
      for (let index = 0; index < this.#bounds.length; index += 1) {
        cumulative += series.counts[index] as number;
        values.push({
          labels: { le: this.#bounds[index] as number, ...series.labels },
          value: cumulative,
          metricName: bucket,
        });
      }
      values.push(
        { labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: bucket },
        { labels: { ...series.labels }, value: series.sum, metricName: `${this.#name}_sum` },
        { labels: { ...series.labels }, value: series.count, metricName: `${this.#name}_count` },
      );
    }
    return values as unknown as HistogramValues<T>;
  }
}

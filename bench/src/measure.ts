/** Collects latency samples (ms) and reports percentiles. */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  /** p50 and p99, or undefined without samples. */
  percentiles(): { p50: number; p99: number } | undefined {
    if (this.count === 0) return undefined;
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (q: number): number =>
      sorted[Math.min(this.count - 1, Math.floor(q * this.count))] ?? Number.NaN;
    return { p50: at(0.5), p99: at(0.99) };
  }
}

/** Formats a number with thousands separators and no decimals. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Formats milliseconds with a precision that suits the magnitude. */
export function formatMs(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

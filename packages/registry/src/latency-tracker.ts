import type { LatencyStats } from './worker.js';

/** Mutable latency statistics of one worker, updated as leases are released. */
export class LatencyTracker implements LatencyStats {
  ewmaMs: number | undefined = undefined;
  lastMs: number | undefined = undefined;
  minMs: number | undefined = undefined;
  maxMs: number | undefined = undefined;
  samples = 0;
  failures = 0;

  constructor(private readonly alpha: number) {}

  /** Folds one latency sample into the statistics. */
  record(latencyMs: number): void {
    const sample = Math.max(0, latencyMs);
    this.ewmaMs =
      this.ewmaMs === undefined ? sample : this.ewmaMs + this.alpha * (sample - this.ewmaMs);
    this.lastMs = sample;
    this.minMs = this.minMs === undefined ? sample : Math.min(this.minMs, sample);
    this.maxMs = this.maxMs === undefined ? sample : Math.max(this.maxMs, sample);
    this.samples += 1;
  }

  /** A frozen copy for snapshots. */
  snapshot(): LatencyStats {
    return Object.freeze({
      ewmaMs: this.ewmaMs,
      lastMs: this.lastMs,
      minMs: this.minMs,
      maxMs: this.maxMs,
      samples: this.samples,
      failures: this.failures,
    });
  }
}

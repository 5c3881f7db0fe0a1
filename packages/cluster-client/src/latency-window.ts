/** Samples a {@link LatencyWindow} keeps: at 100 calls/s about the last 2.5 s of one method. */
export const LATENCY_WINDOW_SIZE = 256;

/** Percentiles are recomputed after this many new samples (sorting on every call costs too much). */
const RECOMPUTE_EVERY = 16;

/**
 * The most recent latencies of one method (a ring buffer) and percentiles over them. Cheap to
 * query: percentiles are cached and recomputed only every few samples.
 */
export class LatencyWindow {
  readonly #samples = new Float64Array(LATENCY_WINDOW_SIZE);
  #next = 0;
  #count = 0;
  #sorted: Float64Array | undefined;
  #sinceSort = 0;

  /** Samples held (at most {@link LATENCY_WINDOW_SIZE}). */
  get count(): number {
    return this.#count;
  }

  /** Adds one latency in ms. */
  record(latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    this.#samples[this.#next] = latencyMs;
    this.#next = (this.#next + 1) % LATENCY_WINDOW_SIZE;
    this.#count = Math.min(LATENCY_WINDOW_SIZE, this.#count + 1);
    this.#sinceSort += 1;
    // While the window fills, every sample matters; once full, a few stale ones do not.
    if (this.#count < 4 * RECOMPUTE_EVERY || this.#sinceSort >= RECOMPUTE_EVERY) {
      this.#sorted = undefined;
    }
  }

  /** The `q` quantile (0..1, nearest rank) of the held samples; `undefined` when there are none. */
  percentile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    if (this.#sorted === undefined) {
      this.#sorted = this.#samples.slice(0, this.#count).sort();
      this.#sinceSort = 0;
    }
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil(q * this.#count) - 1));
    return this.#sorted[rank];
  }
}

/** Methods whose latency is tracked at most; the first tracked is dropped beyond. */
const MAX_METHODS = 1024;

/** One {@link LatencyWindow} per key (method name), bounded in number. */
export class LatencyWindows {
  readonly #windows = new Map<string, LatencyWindow>();

  /** The window of `key`, created on first use. */
  of(key: string): LatencyWindow {
    let window = this.#windows.get(key);
    if (window !== undefined) return window;
    if (this.#windows.size >= MAX_METHODS) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    window = new LatencyWindow();
    this.#windows.set(key, window);
    return window;
  }
}

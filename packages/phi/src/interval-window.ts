const SUM = 0;
const SUM_OF_SQUARES = 1;
/** Slots allocated at first; a window of 200 starts at 128 bytes instead of 1.6 KB. */
const INITIAL_SAMPLES = 16;

/**
 * Sliding window of the most recent inter-arrival intervals (ms) in a fixed Float64Array ring,
 * with running sum and sum of squares so that adding a sample and reading mean/variance are O(1).
 */
export class IntervalWindow {
  readonly capacity: number;
  /** Grows by doubling up to `capacity`: most windows never fill (a member probed a few times). */
  private samples: Float64Array;
  private start = 0;
  private count = 0;
  private evictionsSinceResync = 0;
  // Running sum and sum of squares live in a typed array rather than in fields: a field that starts
  // as a small integer changes representation when it first holds a fraction, which deoptimises
  // callers and can make V8 box values; typed array slots are always raw doubles.
  private readonly sums = new Float64Array(2);

  constructor(capacity: number) {
    this.capacity = capacity;
    this.samples = new Float64Array(Math.min(capacity, INITIAL_SAMPLES));
  }

  /** Number of samples currently in the window. */
  get size(): number {
    return this.count;
  }

  /** Arithmetic mean of the samples; 0 when empty. */
  get mean(): number {
    return this.count === 0 ? 0 : this.sums[SUM]! / this.count;
  }

  /** Population variance of the samples; 0 when empty. */
  get variance(): number {
    if (this.count === 0) return 0;
    const mean = this.sums[SUM]! / this.count;
    // Cancellation can leave a tiny negative residue when all samples are equal.
    return Math.max(0, this.sums[SUM_OF_SQUARES]! / this.count - mean * mean);
  }

  /** Appends `interval`, evicting the oldest sample once the window is full. */
  add(interval: number): void {
    if (this.count < this.capacity) {
      // Until the window is full, `start` is 0 and samples sit at 0..count-1.
      if (this.count === this.samples.length) this.grow();
      this.samples[this.count] = interval;
      this.count++;
      this.sums[SUM]! += interval;
      this.sums[SUM_OF_SQUARES]! += interval * interval;
      return;
    }
    const evicted = this.samples[this.start]!;
    this.samples[this.start] = interval;
    this.start = (this.start + 1) % this.capacity;
    this.sums[SUM]! += interval - evicted;
    this.sums[SUM_OF_SQUARES]! += interval * interval - evicted * evicted;
    // Add/subtract accumulates rounding error forever; recomputing once per full turn of the ring
    // bounds it at O(1) amortised cost.
    if (++this.evictionsSinceResync >= this.capacity) {
      this.resync();
    }
  }

  /** Empties the window. */
  clear(): void {
    this.start = 0;
    this.count = 0;
    this.sums.fill(0);
    this.evictionsSinceResync = 0;
  }

  private grow(): void {
    const grown = new Float64Array(Math.min(this.capacity, this.samples.length * 2));
    grown.set(this.samples);
    this.samples = grown;
  }

  private resync(): void {
    let sum = 0;
    let sumOfSquares = 0;
    for (let i = 0; i < this.count; i++) {
      const value = this.samples[i]!;
      sum += value;
      sumOfSquares += value * value;
    }
    this.sums[SUM] = sum;
    this.sums[SUM_OF_SQUARES] = sumOfSquares;
    this.evictionsSinceResync = 0;
  }
}

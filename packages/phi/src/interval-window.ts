import { doubleArray } from './double-array.js';

const SUM = 0;
const SUM_OF_SQUARES = 1;

/**
 * Sliding window of the most recent inter-arrival intervals (ms) in a ring of up to `capacity`,
 * with running sum and sum of squares so that adding a sample and reading mean/variance are O(1).
 */
export class IntervalWindow {
  readonly capacity: number;
  /**
   * Grown as samples come, up to `capacity`: most windows never fill (a member probed a few times).
   * Raw doubles (see {@link doubleArray}), as are the running sums.
   */
  private readonly samples = doubleArray(0);
  private start = 0;
  private count = 0;
  private evictionsSinceResync = 0;
  private readonly sums = doubleArray(2);

  constructor(capacity: number) {
    this.capacity = capacity;
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
      // At the end of the array this appends (it stays packed: no hole is ever left).
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

/** Settings of {@link ExponentialBackoff}. */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. */
  readonly initialDelayMs: number;
  /** Longest delay, in ms. */
  readonly maxDelayMs: number;
  /** Growth factor per consecutive failure. */
  readonly multiplier: number;
  /** Fraction of the delay that is randomised away (0 = none, 1 = full jitter). */
  readonly jitter: number;
}

/**
 * Delays between re-dials of a failing worker: exponential in the number of consecutive
 * failures, capped, and jittered so that many clients do not re-dial a flapping worker in step.
 */
export class ExponentialBackoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;

  constructor(options: BackoffOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** The wait in ms after `failures` consecutive failures (0 for none). */
  delayMs(failures: number): number {
    if (failures <= 0) return 0;
    const { initialDelayMs, maxDelayMs, multiplier, jitter } = this.#options;
    const exponential = initialDelayMs * multiplier ** Math.min(failures - 1, 64);
    const capped = Math.min(maxDelayMs, exponential);
    return capped * (1 - jitter * this.#random());
  }
}

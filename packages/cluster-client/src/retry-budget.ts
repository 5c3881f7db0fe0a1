import type { Clock } from '@rpcnet/core';

/** Settings of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Tokens each call deposits: 0.2 lets retries add at most 20% to the load. */
  readonly ratio: number;
  /** Tokens added per second regardless of traffic, so a quiet client can still retry. */
  readonly minRetriesPerSecond: number;
  /** Most tokens the bucket holds (the largest burst of retries). */
  readonly maxTokens: number;
}

/**
 * A token bucket that bounds retries: calls and time deposit tokens, each retry withdraws one.
 * When a worker fails under load, retries stay a fraction of the traffic instead of multiplying it.
 */
export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;

  constructor(options: RetryBudgetOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
    this.#tokens = options.maxTokens;
    this.#refilledAt = clock.now();
  }

  /** Tokens available now. */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Records one call (its first attempt). */
  deposit(): void {
    this.#refill();
    this.#tokens = Math.min(this.#options.maxTokens, this.#tokens + this.#options.ratio);
  }

  /**
   * Takes one token for a retry; false (and nothing taken) when the budget is spent, or when
   * fewer than `reserve` tokens would be left (hedges keep a reserve for failover retries).
   */
  tryWithdraw(reserve = 0): boolean {
    this.#refill();
    if (this.#tokens < 1 + reserve) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsedMs = now - this.#refilledAt;
    if (elapsedMs <= 0) return;
    this.#refilledAt = now;
    this.#tokens = Math.min(
      this.#options.maxTokens,
      this.#tokens + (elapsedMs / 1000) * this.#options.minRetriesPerSecond,
    );
  }
}

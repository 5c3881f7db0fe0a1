import {
  type CancelTimer,
  type MonotonicClock as Clock,
  type Logger,
  silentLogger,
} from '@rpcnet/base';
import { ClusterError, ClusterErrorCode } from './errors.js';
import type { SeedDiscovery, SeedDiscoveryStats } from './seed-discovery.js';
import type { DiscoveredSeeds } from './swim.js';

/** What a {@link SeedRefresher} is built from. */
export interface SeedRefresherOptions {
  readonly discovery: SeedDiscovery;
  readonly clock: Clock;
  /** Which answers are this node itself (left out). Default none. */
  readonly isSelf?: (address: string) => boolean;
  readonly logger?: Logger;
  /** A discovery not answered in this long fails. Default {@link SEED_DISCOVERY_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Wait after the first failure; doubles per failure up to `retryMaxMs`. Default 250 ms. */
  readonly retryInitialMs?: number;
  /** Longest wait between failed discoveries. Default 30 s. */
  readonly retryMaxMs?: number;
}

/** How long one discovery (all its DNS queries) may take before it counts as failed. */
export const SEED_DISCOVERY_TIMEOUT_MS = 5000;

/**
 * Runs a {@link SeedDiscovery} for the protocol: one discovery at a time, each bounded by a
 * timeout; failures are logged, counted and retried with exponential backoff while the last
 * answer stays in use, so a DNS outage after joining is never fatal.
 */
export class SeedRefresher implements DiscoveredSeeds {
  readonly #discovery: SeedDiscovery;
  readonly #clock: Clock;
  readonly #isSelf: (address: string) => boolean;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  #seeds: readonly string[] | undefined;
  #running: Promise<readonly string[]> | undefined;
  #retryAt = Number.NEGATIVE_INFINITY;
  #discoveries = 0;
  #failures = 0;
  #consecutiveFailures = 0;
  #lastError: Error | undefined;

  constructor(options: SeedRefresherOptions) {
    this.#discovery = options.discovery;
    this.#clock = options.clock;
    this.#isSelf = options.isSelf ?? (() => false);
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? SEED_DISCOVERY_TIMEOUT_MS;
    this.#retryInitialMs = options.retryInitialMs ?? 250;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  /** What is asked, for errors. */
  get description(): string {
    return this.#discovery.description;
  }

  /** The last failure, while the latest discovery failed. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  current(): readonly string[] | undefined {
    return this.#seeds;
  }

  refresh(): void {
    if (this.#running !== undefined || this.#clock.now() < this.#retryAt) return;
    this.discover().catch(() => {});
  }

  /**
   * Discovers now (or joins the discovery under way) and resolves with the seeds, this node left
   * out; rejects with SEED_DISCOVERY_FAILED, keeping the previous answer in `current()`.
   */
  discover(): Promise<readonly string[]> {
    this.#running ??= this.#discoverOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  stats(): SeedDiscoveryStats {
    return {
      source: this.#discovery.description,
      discoveries: this.#discoveries,
      failures: this.#failures,
      consecutiveFailures: this.#consecutiveFailures,
      lastError: this.#lastError?.message,
      seeds: this.#seeds ?? [],
    };
  }

  async #discoverOnce(): Promise<readonly string[]> {
    let cancelTimeout: CancelTimer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancelTimeout = this.#clock.setTimer(this.#timeoutMs, () =>
        reject(
          new ClusterError(
            ClusterErrorCode.SeedDiscoveryFailed,
            `${this.#discovery.description} did not answer within ${this.#timeoutMs} ms`,
          ),
        ),
      );
    });
    try {
      const answer = await Promise.race([this.#discovery.discover(), timeout]);
      const seeds = [...new Set(answer)].filter((seed) => !this.#isSelf(seed));
      this.#discoveries++;
      this.#consecutiveFailures = 0;
      this.#lastError = undefined;
      this.#retryAt = Number.NEGATIVE_INFINITY;
      if (!sameSeeds(this.#seeds, seeds)) {
        this.#logger.info('gossip seeds discovered', {
          source: this.#discovery.description,
          seeds: seeds.join(', '),
        });
      }
      this.#seeds = seeds;
      return seeds;
    } catch (cause) {
      const error =
        cause instanceof ClusterError
          ? cause
          : new ClusterError(
              ClusterErrorCode.SeedDiscoveryFailed,
              `${this.#discovery.description} failed: ${String(cause)}`,
              { cause },
            );
      this.#failures++;
      this.#consecutiveFailures++;
      this.#lastError = error;
      const backoffMs = Math.min(
        this.#retryInitialMs * 2 ** (this.#consecutiveFailures - 1),
        this.#retryMaxMs,
      );
      this.#retryAt = this.#clock.now() + backoffMs;
      this.#logger.warn('gossip seed discovery failed', {
        source: this.#discovery.description,
        error: error.message,
        consecutiveFailures: this.#consecutiveFailures,
        retryInMs: backoffMs,
      });
      throw error;
    } finally {
      cancelTimeout?.();
    }
  }
}

function sameSeeds(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((seed, i) => seed === b[i]);
}

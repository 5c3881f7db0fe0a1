import type { LatencyWindow } from './latency-window.js';

/**
 * Settings of the adaptive attempt timeout: an attempt running longer than
 * `percentile` x `multiplier` of its method's recent latency, bounded by `minMs`, is given up for
 * another worker (only when another attempt may start). Also bounds a stream's wait for its next
 * message.
 */
export interface AdaptiveTimeoutOptions {
  /** Whether attempts without a fixed `attemptTimeoutMs` get an adaptive one. */
  readonly enabled: boolean;
  /** The latency percentile (0..1) the timeout is derived from. */
  readonly percentile: number;
  /** Factor applied to that percentile. */
  readonly multiplier: number;
  /** Shortest timeout, in ms: above event-loop and GC pauses of a busy host. */
  readonly minMs: number;
  /**
   * Longest timeout, in ms. A method whose derived timeout would exceed it gets none: that slow,
   * the connection's idle timeout and membership notice a dead worker first.
   */
  readonly maxMs: number;
  /** Samples a method needs before it gets a timeout. */
  readonly minSamples: number;
}

/**
 * Settings of hedged requests: an idempotent attempt still unanswered after `percentile` x
 * `multiplier` of its method's recent latency (at least `minDelayMs`) is sent to a second worker
 * too; the first answer wins and the other attempt is cancelled. Each hedge takes a retry token,
 * and only while half of the budget's `maxTokens` would be left for failover retries.
 */
export interface HedgingOptions {
  /** Whether idempotent unary calls are hedged. */
  readonly enabled: boolean;
  /** The latency percentile (0..1) the delay is derived from; the median ignores a slow minority. */
  readonly percentile: number;
  /** Factor applied to that percentile. */
  readonly multiplier: number;
  /** Shortest delay before a hedge, in ms. */
  readonly minDelayMs: number;
  /** Samples a method needs before it is hedged. */
  readonly minSamples: number;
}

/** The adaptive attempt timeout for a method with these samples; `undefined` for none. */
export function adaptiveTimeoutMs(
  window: LatencyWindow,
  options: AdaptiveTimeoutOptions,
): number | undefined {
  if (!options.enabled || window.count < options.minSamples) return undefined;
  const derived = (window.percentile(options.percentile) ?? 0) * options.multiplier;
  if (derived > options.maxMs) return undefined;
  return Math.max(options.minMs, derived);
}

/** The hedging delay for a method with these samples; `undefined` when it is not hedged. */
export function hedgeDelayMs(window: LatencyWindow, options: HedgingOptions): number | undefined {
  if (!options.enabled || window.count < options.minSamples) return undefined;
  const derived = (window.percentile(options.percentile) ?? 0) * options.multiplier;
  return Math.max(options.minDelayMs, derived);
}

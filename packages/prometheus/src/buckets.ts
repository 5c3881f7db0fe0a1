/** Latency buckets in seconds: 100 µs to 10 s, for calls from loopback unary to slow streams. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Messages per streaming call: 1 to 100 000. */
export const MESSAGE_COUNT_BUCKETS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000,
]);

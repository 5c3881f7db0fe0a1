import {
  type WallClock as Clock,
  isLogger,
  isWallClock,
  type Logger,
  silentLogger,
  systemWallClock as systemClock,
} from '@rpcnet/base';
import {
  type CallObserver,
  type ClientInterceptor,
  isCallObserver,
  type QuicTuning,
  type TlsOptions,
} from '@rpcnet/core';
import { z } from 'zod';
import type { AdaptiveTimeoutOptions, HedgingOptions } from './adaptive-timing.js';
import type { BackoffOptions } from './backoff.js';
import { ClusterClientConfigError } from './errors.js';
import type { OutlierDetectionOptions } from './outlier-detector.js';
import type { RetryBudgetOptions } from './retry-budget.js';
import type { ConnectWorker } from './worker-connection.js';

/** Settings of a `ClusterClient`; every field is optional and validated at construction. */
export interface ClusterClientConfig {
  /** Opens connections to workers. Default: `RpcClient.connect` over QUIC with `tls` and `quic`. */
  connect?: ConnectWorker | undefined;
  /** CA and verification settings of the default QUIC connector. */
  tls?: TlsOptions | undefined;
  /** QUIC tuning of the default connector. */
  quic?: QuicTuning | undefined;
  /** Wrap every call on the default connector's worker connections (tracing). Default: none. */
  interceptors?: readonly ClientInterceptor[] | undefined;
  /**
   * Told of every call's start and end on the default connector's worker connections (metrics:
   * `RpcnetMetrics.clientObserver`). Default: none.
   */
  observers?: readonly CallObserver[] | undefined;
  /** Bound on dialling a worker (default connector). Default 5000 ms. */
  connectTimeoutMs?: number | undefined;
  /** Connections kept per worker; calls are spread over them. Default 2. */
  maxConnectionsPerWorker?: number | undefined;
  /** Re-dial delays of a worker whose connection failed. Defaults: 100 ms x2 up to 5 s, jitter 0.5. */
  reconnect?: Partial<BackoffOptions> | undefined;
  /** Attempts per call, the first included (1 = never fail over). Default 3. */
  maxAttempts?: number | undefined;
  /** Bounds retries of calls that may have reached a handler. Defaults: ratio 0.2, 10/s, 20 max. */
  retryBudget?: Partial<RetryBudgetOptions> | undefined;
  /** Unary calls without `timeoutMs` or `deadline` get this timeout. Default 30000 ms. */
  defaultTimeoutMs?: number | undefined;
  /** Streaming calls without `timeoutMs` or `deadline` get this timeout. Default: none. */
  defaultStreamTimeoutMs?: number | undefined;
  /**
   * A fixed attempt timeout: an attempt that takes longer is given up for another worker when
   * another attempt may start (idempotent or not yet sent, attempts and retry budget left);
   * otherwise it runs on to the call's deadline. Default: none, `adaptiveTimeout` applies.
   */
  attemptTimeoutMs?: number | undefined;
  /**
   * A fixed bound on a stream's wait for its next message; past it the stream resumes or fails
   * over like on UNAVAILABLE (its worker may have vanished without closing the connection).
   * Default: none, `adaptiveTimeout` applies to the gaps between messages.
   */
  streamIdleTimeoutMs?: number | undefined;
  /**
   * Attempt timeouts derived from each method's observed latency, so a dead or frozen worker
   * costs no call without a constant to guess. Defaults: enabled, p99 x3, 200 ms to 5000 ms,
   * after 20 samples.
   */
  adaptiveTimeout?: Partial<AdaptiveTimeoutOptions> | undefined;
  /**
   * Hedged requests for idempotent unary calls (gRPC hedging, Finagle backup requests).
   * Defaults: disabled; when enabled, after the median x2 (at least 5 ms), after 20 samples.
   */
  hedging?: Partial<HedgingOptions> | undefined;
  /**
   * Passive outlier detection: a worker with `consecutiveFailures` connection-level failures in a
   * row (UNAVAILABLE or attempt timeouts; never application errors) is left out of this client's
   * selection and its connections are closed, for `baseEjectionMs` growing by `multiplier` per
   * repeated ejection up to `maxEjectionMs`; at most `maxEjectionFraction` of the workers at once.
   * Defaults: enabled, 3 failures, 5000 ms x2 up to 60000 ms, fraction 0.5.
   */
  outlierDetection?: Partial<OutlierDetectionOptions> | undefined;
  /** Whether calls may be retried after they reached a handler; per-call `idempotent` wins. Default true. */
  idempotent?: boolean | undefined;
  /** Time source (epoch ms) for deadlines, latency and the retry budget. Default: system clock. */
  clock?: Clock | undefined;
  /** Uniform random numbers in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Where the client logs. Default: silent. */
  logger?: Logger | undefined;
}

const positiveMs = z.number().int().positive();
const quantile = z.number().gt(0).max(1);

/** Default of every numeric and boolean option of {@link ClusterClientConfig}. */
export const CLUSTER_CLIENT_DEFAULTS = Object.freeze({
  connectTimeoutMs: 5000,
  maxConnectionsPerWorker: 2,
  reconnect: Object.freeze({ initialDelayMs: 100, maxDelayMs: 5000, multiplier: 2, jitter: 0.5 }),
  maxAttempts: 3,
  retryBudget: Object.freeze({ ratio: 0.2, minRetriesPerSecond: 10, maxTokens: 20 }),
  defaultTimeoutMs: 30_000,
  outlierDetection: Object.freeze({
    enabled: true,
    consecutiveFailures: 3,
    baseEjectionMs: 5000,
    multiplier: 2,
    maxEjectionMs: 60_000,
    maxEjectionFraction: 0.5,
  }),
  idempotent: true,
  adaptiveTimeout: Object.freeze({
    enabled: true,
    percentile: 0.99,
    multiplier: 3,
    minMs: 200,
    maxMs: 5000,
    minSamples: 20,
  }),
  hedging: Object.freeze({
    enabled: false,
    percentile: 0.5,
    multiplier: 2,
    minDelayMs: 5,
    minSamples: 20,
  }),
});

const defaults = CLUSTER_CLIENT_DEFAULTS;

const configSchema = z
  .object({
    connect: z
      .custom<ConnectWorker>((value) => typeof value === 'function', {
        message: 'must be a function (worker) => Promise<WorkerConnection>',
      })
      .optional(),
    tls: z.custom<TlsOptions>((value) => typeof value === 'object' && value !== null).optional(),
    interceptors: z
      .array(
        z.custom<ClientInterceptor>((value) => typeof value === 'function', {
          message: 'must be interceptor functions (next) => (request) => ...',
        }),
      )
      .optional(),
    observers: z
      .array(
        z.custom<CallObserver>(isCallObserver, {
          message: 'must be call observers: objects with a started(call) method',
        }),
      )
      .optional(),
    quic: z.custom<QuicTuning>((value) => typeof value === 'object' && value !== null).optional(),
    connectTimeoutMs: positiveMs.default(defaults.connectTimeoutMs),
    maxConnectionsPerWorker: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(defaults.maxConnectionsPerWorker),
    reconnect: z
      .object({
        initialDelayMs: positiveMs.default(defaults.reconnect.initialDelayMs),
        maxDelayMs: positiveMs.default(defaults.reconnect.maxDelayMs),
        multiplier: z.number().min(1).max(10).default(defaults.reconnect.multiplier),
        jitter: z.number().min(0).max(1).default(defaults.reconnect.jitter),
      })
      .strict()
      .refine((value) => value.initialDelayMs <= value.maxDelayMs, {
        message: 'must not exceed reconnect.maxDelayMs',
        path: ['initialDelayMs'],
      })
      .default({ ...defaults.reconnect }),
    maxAttempts: z.number().int().min(1).max(16).default(defaults.maxAttempts),
    retryBudget: z
      .object({
        ratio: z.number().min(0).max(1).default(defaults.retryBudget.ratio),
        minRetriesPerSecond: z.number().min(0).default(defaults.retryBudget.minRetriesPerSecond),
        maxTokens: z.number().min(0).default(defaults.retryBudget.maxTokens),
      })
      .strict()
      .default({ ...defaults.retryBudget }),
    defaultTimeoutMs: positiveMs.default(defaults.defaultTimeoutMs),
    defaultStreamTimeoutMs: positiveMs.optional(),
    attemptTimeoutMs: positiveMs.optional(),
    streamIdleTimeoutMs: positiveMs.optional(),
    outlierDetection: z
      .object({
        enabled: z.boolean().default(defaults.outlierDetection.enabled),
        consecutiveFailures: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(defaults.outlierDetection.consecutiveFailures),
        baseEjectionMs: positiveMs.default(defaults.outlierDetection.baseEjectionMs),
        multiplier: z.number().min(1).max(10).default(defaults.outlierDetection.multiplier),
        maxEjectionMs: positiveMs.default(defaults.outlierDetection.maxEjectionMs),
        maxEjectionFraction: z
          .number()
          .min(0)
          .max(1)
          .default(defaults.outlierDetection.maxEjectionFraction),
      })
      .strict()
      .refine((value) => value.baseEjectionMs <= value.maxEjectionMs, {
        message: 'must not exceed outlierDetection.maxEjectionMs',
        path: ['baseEjectionMs'],
      })
      .default({ ...defaults.outlierDetection }),
    idempotent: z.boolean().default(defaults.idempotent),
    adaptiveTimeout: z
      .object({
        enabled: z.boolean().default(defaults.adaptiveTimeout.enabled),
        percentile: quantile.default(defaults.adaptiveTimeout.percentile),
        multiplier: z.number().min(1).max(100).default(defaults.adaptiveTimeout.multiplier),
        minMs: positiveMs.default(defaults.adaptiveTimeout.minMs),
        maxMs: positiveMs.default(defaults.adaptiveTimeout.maxMs),
        minSamples: z.number().int().min(1).max(256).default(defaults.adaptiveTimeout.minSamples),
      })
      .strict()
      .refine((value) => value.minMs <= value.maxMs, {
        message: 'must not exceed adaptiveTimeout.maxMs',
        path: ['minMs'],
      })
      .default({ ...defaults.adaptiveTimeout }),
    hedging: z
      .object({
        enabled: z.boolean().default(defaults.hedging.enabled),
        percentile: quantile.default(defaults.hedging.percentile),
        multiplier: z.number().min(0.1).max(100).default(defaults.hedging.multiplier),
        minDelayMs: z.number().int().min(0).default(defaults.hedging.minDelayMs),
        minSamples: z.number().int().min(1).max(256).default(defaults.hedging.minSamples),
      })
      .strict()
      .default({ ...defaults.hedging }),
    clock: z
      .custom<Clock>(isWallClock, {
        message:
          "must be a wall clock (kind: 'wall', epoch ms) such as systemClock; deadlines are epoch ms",
      })
      .default(systemClock),
    random: z
      .custom<() => number>((value) => typeof value === 'function', {
        message: 'must be a function returning a number in [0, 1)',
      })
      .default(() => Math.random),
    logger: z.custom<Logger>(isLogger, { message: 'must be a Logger' }).default(silentLogger),
  })
  .strict();

/** {@link ClusterClientConfig} after validation, with every default filled in. */
export type ResolvedClusterClientConfig = z.output<typeof configSchema>;

/** Validates `config`; throws {@link ClusterClientConfigError} naming the first bad field. */
export function resolveClusterClientConfig(
  config: ClusterClientConfig = {},
): ResolvedClusterClientConfig {
  const parsed = configSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = issue?.path.map(String).join('.') ?? '';
  const prefix = unknownKey !== undefined && path !== '' ? `${path}.` : '';
  const field = unknownKey !== undefined ? `${prefix}${unknownKey}` : path || 'config';
  const reason = unknownKey !== undefined ? 'is not a known option' : (issue?.message ?? 'invalid');
  throw new ClusterClientConfigError(field, reason);
}

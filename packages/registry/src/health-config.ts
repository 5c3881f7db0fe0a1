import {
  type AnyClock as Clock,
  hasMethods,
  isClock,
  isLogger,
  type Logger,
  silentLogger,
  systemMonotonicClock as systemClock,
} from '@rpcnet/base';
import { z } from 'zod';
import type { HealthCheck } from './health-check.js';
import type { TagPublisher } from './membership.js';
import { validateOptions } from './validate-options.js';

/** Options of a `HealthCheckService`; validated at construction. */
export interface HealthCheckServiceOptions {
  /** Where the aggregated result goes, as the `healthy` tag (gossip's `Cluster`). */
  publisher: TagPublisher;
  /** The checks to run. Default `[alwaysHealthy]`; more can be registered later. */
  checks?: readonly HealthCheck[] | undefined;
  /** Time between the end of one round of checks and the start of the next, in ms. Default 5000. */
  intervalMs?: number | undefined;
  /** A check that has not settled after this many ms counts as unhealthy. Default 2000. */
  timeoutMs?: number | undefined;
  /** Schedules rounds and timeouts; any clock (only durations count). Default: the monotonic system clock. */
  clock?: Clock | undefined;
  /** Where failures of checks and of publishing are logged. Default: silent. */
  logger?: Logger | undefined;
}

/** Default interval and timeout. */
export const HEALTH_DEFAULTS = Object.freeze({ intervalMs: 5000, timeoutMs: 2000 });

const healthCheckSchema = z.custom<HealthCheck>(
  (value) => hasMethods(value, 'check') && typeof (value as { name?: unknown }).name === 'string',
  { message: 'must be a HealthCheck with a name and check()' },
);

const healthSchema = z
  .object({
    publisher: z.custom<TagPublisher>((value) => hasMethods(value, 'setTag'), {
      message: 'must be a TagPublisher with setTag(key, value)',
    }),
    checks: z.array(healthCheckSchema).optional(),
    intervalMs: z.number().int().positive().default(HEALTH_DEFAULTS.intervalMs),
    timeoutMs: z.number().int().positive().default(HEALTH_DEFAULTS.timeoutMs),
    clock: z
      .custom<Clock>(isClock, {
        message: "must be a clock with now(), setTimer() and kind 'monotonic' or 'wall'",
      })
      .default(systemClock),
    logger: z.custom<Logger>(isLogger, { message: 'must be a Logger' }).default(silentLogger),
  })
  .strict();

/** Health service options after validation, defaults filled in. */
export type ResolvedHealthOptions = z.output<typeof healthSchema>;

/** Validates health service options; throws `RegistryConfigError` naming the bad field. */
export function resolveHealthOptions(options: HealthCheckServiceOptions): ResolvedHealthOptions {
  return validateOptions(healthSchema, options);
}

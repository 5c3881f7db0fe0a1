import {
  type AnyClock as Clock,
  isClock,
  isLogger,
  type Logger,
  silentLogger,
  systemMonotonicClock as systemClock,
} from '@rpcnet/base';
import { z } from 'zod';
import type { WorkerFilter } from './filter.js';
import { validateOptions } from './validate-options.js';

/** Options of a `WorkerRegistry`; every field is optional and validated at construction. */
export interface WorkerRegistryOptions {
  /** Only members matching this filter are workers (e.g. `"role=worker"`). Default: every member with an RPC address. */
  workerFilter?: WorkerFilter | undefined;
  /** Whether the local node can be a worker of its own registry. Default true. */
  includeLocalNode?: boolean | undefined;
  /** Smoothing factor of the latency EWMA, in (0, 1]; higher follows recent calls faster. Default 0.3. */
  ewmaAlpha?: number | undefined;
  /** Latency sample recorded for a failed call when it was faster than this, in ms. Default 1000. */
  failurePenaltyMs?: number | undefined;
  /** Most tag filters whose candidate lists are cached; the oldest is dropped beyond it. Default 256. */
  maxCachedFilters?: number | undefined;
  /** Measures lease durations when a release gives no latency; any clock (only differences count). Default: the monotonic system clock. */
  clock?: Clock | undefined;
  /** Where the registry logs membership handling. Default: silent. */
  logger?: Logger | undefined;
}

/** Default of every numeric and boolean option. */
export const REGISTRY_DEFAULTS = Object.freeze({
  includeLocalNode: true,
  ewmaAlpha: 0.3,
  failurePenaltyMs: 1000,
  maxCachedFilters: 256,
});

const registrySchema = z
  .object({
    workerFilter: z
      .custom<WorkerFilter>(
        (value) =>
          typeof value === 'string' ||
          typeof value === 'function' ||
          (typeof value === 'object' && value !== null),
        { message: 'must be a filter string, a tag object or a predicate' },
      )
      .optional(),
    includeLocalNode: z.boolean().default(REGISTRY_DEFAULTS.includeLocalNode),
    ewmaAlpha: z.number().gt(0).max(1).default(REGISTRY_DEFAULTS.ewmaAlpha),
    failurePenaltyMs: z.number().nonnegative().default(REGISTRY_DEFAULTS.failurePenaltyMs),
    maxCachedFilters: z.number().int().min(1).default(REGISTRY_DEFAULTS.maxCachedFilters),
    clock: z
      .custom<Clock>(isClock, {
        message: "must be a clock with now(), setTimer() and kind 'monotonic' or 'wall'",
      })
      .default(systemClock),
    logger: z
      .custom<Logger>(isLogger, {
        message: 'must be a Logger',
      })
      .default(silentLogger),
  })
  .strict();

/** Registry options after validation, defaults filled in. */
export type ResolvedRegistryOptions = z.output<typeof registrySchema>;

/** Validates registry options; throws `RegistryConfigError` naming the bad field. */
export function resolveRegistryOptions(
  options: WorkerRegistryOptions = {},
): ResolvedRegistryOptions {
  return validateOptions(registrySchema, options);
}

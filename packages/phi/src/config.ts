import { z } from 'zod';
import { type PhiClock, performanceClock } from './clock.js';
import { PhiConfigError } from './errors.js';

/** The distribution fitted to the inter-arrival window: Akka's `normal` or Cassandra's `exponential`. */
export type PhiModel = 'normal' | 'exponential';

/** Options of a phi accrual detector; every field is optional and validated at construction. */
export interface PhiAccrualOptions {
  /** Phi at or above which the peer counts as unavailable. Default 8. */
  threshold?: number;
  /** Number of inter-arrival samples kept in the sliding window (integer, 2..1,000,000). Default 1000. */
  maxSampleSize?: number;
  /** Lower bound on the standard deviation used by the normal model, in ms. Default 100. */
  minStdDeviationMs?: number;
  /** Extra silence tolerated on top of the mean interval before suspicion rises, in ms. Default 0. */
  acceptableHeartbeatPauseMs?: number;
  /** Expected heartbeat interval used to seed the window at the first heartbeat, in ms. Default 1000. */
  firstHeartbeatEstimateMs?: number;
  /** Distribution used to turn elapsed time into phi. Default `'normal'`. */
  model?: PhiModel;
  /** Time source used when a call omits `now`. Default `performance.now()`. */
  clock?: PhiClock;
}

/** Default value of every option except `clock` (which defaults to `performance.now()`). */
export const PHI_DEFAULTS: Readonly<Required<Omit<PhiAccrualOptions, 'clock'>>> = Object.freeze({
  threshold: 8,
  maxSampleSize: 1000,
  minStdDeviationMs: 100,
  acceptableHeartbeatPauseMs: 0,
  firstHeartbeatEstimateMs: 1000,
  model: 'normal',
});

/** Options after validation with every default filled in. */
export type ResolvedPhiOptions = Readonly<Required<PhiAccrualOptions>>;

const clockSchema = z.custom<PhiClock>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    'now' in value &&
    typeof value.now === 'function',
  { message: 'must be an object with a now(): number method' },
);

const optionsSchema = z
  .object({
    threshold: z.number().positive().default(PHI_DEFAULTS.threshold),
    maxSampleSize: z.number().int().min(2).max(1_000_000).default(PHI_DEFAULTS.maxSampleSize),
    minStdDeviationMs: z.number().positive().default(PHI_DEFAULTS.minStdDeviationMs),
    acceptableHeartbeatPauseMs: z
      .number()
      .nonnegative()
      .default(PHI_DEFAULTS.acceptableHeartbeatPauseMs),
    firstHeartbeatEstimateMs: z.number().positive().default(PHI_DEFAULTS.firstHeartbeatEstimateMs),
    model: z.enum(['normal', 'exponential']).default(PHI_DEFAULTS.model),
    clock: clockSchema.default(performanceClock),
  })
  .strict();

/** Options this module resolved: resolving them again returns them as they are. */
const resolvedOptions = new WeakSet<object>();

/**
 * Validates `options` and fills in defaults; throws {@link PhiConfigError} naming the bad field.
 * Options it returned are returned as they are: a detector set validates once, not once for each
 * peer's detector (a gossip member makes one per member it probes).
 */
export function resolvePhiOptions(options: PhiAccrualOptions = {}): ResolvedPhiOptions {
  if (resolvedOptions.has(options)) return options as ResolvedPhiOptions;
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) {
    const resolved = Object.freeze(parsed.data);
    resolvedOptions.add(resolved);
    return resolved;
  }
  const issue = parsed.error.issues[0];
  if (issue === undefined) {
    throw new PhiConfigError('options', 'validation failed');
  }
  // Unknown keys are reported on the object itself; name the first unknown key instead.
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field =
    unknownKey ?? (issue.path.length > 0 ? issue.path.map(String).join('.') : 'options');
  const message = issue.code === 'unrecognized_keys' ? 'is not a known option' : issue.message;
  throw new PhiConfigError(field, message);
}

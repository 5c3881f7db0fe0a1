import { createSeededRandom, type RandomSource } from '@rpcnet/base';

/** A seeded random source and the seed it came from (to print, so a failure can be replayed). */
export interface SeededRandom {
  readonly seed: number;
  readonly random: RandomSource;
}

/**
 * The seed in environment variable `variable` when set (to replay a failure), else `fallback`,
 * with base's seeded generator over it. A set variable that is not a whole number throws.
 */
export function seededRandomFromEnv(variable: string, fallback: number): SeededRandom {
  const raw = process.env[variable];
  const seed = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${variable} must be a whole number (a seed to replay), got ${raw}`);
  }
  return { seed, random: createSeededRandom(seed) };
}

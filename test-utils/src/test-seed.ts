/**
 * The seed of a randomized test: the whole number in environment variable `variable` when set (to
 * replay a failure), else `fallback`. Feed it to `createSeededRandom` from `@rpcnet/base`. A set
 * variable that is not a whole number throws rather than falling back silently.
 */
export function seedFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`${variable} must be a whole number (a seed to replay), got ${raw}`);
  }
  return seed;
}

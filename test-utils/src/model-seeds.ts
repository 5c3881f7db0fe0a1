import { seedFromEnv } from './test-seed.js';

/**
 * Seeds of a model-based run: a fixed list plus one fresh seed, which goes into the test's title
 * so a failure can be replayed with RPCNET_MODEL_SEED=<seed> (which then runs that seed only).
 * fast-check reports the seed and the shrunk path of any failure as well.
 */
export function modelSeeds(fixed: readonly number[] = [1, 2, 3]): {
  readonly seeds: readonly number[];
  readonly title: string;
} {
  const replay = process.env.RPCNET_MODEL_SEED;
  if (replay !== undefined && replay !== '') {
    const seed = seedFromEnv('RPCNET_MODEL_SEED', 0);
    return { seeds: [seed], title: `seed ${seed}` };
  }
  const fresh = Math.floor(Math.random() * 0x7fff_ffff);
  return { seeds: [...fixed, fresh], title: `seeds ${fixed.join(', ')} and random ${fresh}` };
}

import { afterEach, describe, expect, it } from 'vitest';
import { modelSeeds } from '../src/index.js';

describe('modelSeeds', () => {
  afterEach(() => {
    delete process.env.RPCNET_MODEL_SEED;
  });

  it('gives the fixed seeds and one fresh seed, named in the title', () => {
    const { seeds, title } = modelSeeds([4, 5]);
    expect(seeds).toHaveLength(3);
    expect(seeds.slice(0, 2)).toEqual([4, 5]);
    const fresh = seeds[2]!;
    expect(Number.isSafeInteger(fresh)).toBe(true);
    expect(title).toBe(`seeds 4, 5 and random ${fresh}`);
  });

  it('runs only the seed RPCNET_MODEL_SEED names', () => {
    process.env.RPCNET_MODEL_SEED = '77';
    expect(modelSeeds()).toEqual({ seeds: [77], title: 'seed 77' });
  });

  it('rejects a RPCNET_MODEL_SEED that is not a whole number', () => {
    process.env.RPCNET_MODEL_SEED = '7.5';
    expect(() => modelSeeds()).toThrow('RPCNET_MODEL_SEED must be a whole number');
  });
});

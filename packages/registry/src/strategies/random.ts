import type { RandomSource } from '@rpcnet/base';
import type { LoadBalancingStrategy } from '../strategy.js';
import type { Worker } from '../worker.js';

/** Options of the randomized strategies. */
export interface RandomStrategyOptions {
  /** Uniform numbers in [0, 1); `Math.random` by default, seeded in tests. */
  random?: RandomSource;
}

/** Picks a candidate uniformly at random. */
export class Random implements LoadBalancingStrategy {
  readonly name = 'random';
  private readonly random: RandomSource;

  constructor(options: RandomStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick(candidates: readonly Worker[]): Worker | undefined {
    return candidates[Math.floor(this.random() * candidates.length)];
  }
}

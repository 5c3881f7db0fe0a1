import type { RandomSource } from '@rpcnet/base';
import { WEIGHT_TAG } from '../membership.js';
import type { LoadBalancingStrategy } from '../strategy.js';
import type { Worker } from '../worker.js';

/** Options of the {@link Weighted} strategy. */
export interface WeightedOptions {
  /** Uniform numbers in [0, 1); `Math.random` by default, seeded in tests. */
  random?: RandomSource;
  /** Weight of a worker without a valid `weight` tag. Default 1. */
  defaultWeight?: number;
}

interface CumulativeWeights {
  readonly prefix: Float64Array;
  readonly total: number;
}

/**
 * Picks at random in proportion to each worker's `weight` tag (a non-negative number; 0 drains the
 * worker). Cumulative weights are cached per candidate array, so a pick is a binary search.
 */
export class Weighted implements LoadBalancingStrategy {
  readonly name = 'weighted';
  private readonly random: RandomSource;
  private readonly defaultWeight: number;
  private readonly cache = new WeakMap<readonly Worker[], CumulativeWeights>();

  constructor(options: WeightedOptions = {}) {
    this.random = options.random ?? Math.random;
    const fallback = options.defaultWeight ?? 1;
    this.defaultWeight = Number.isFinite(fallback) && fallback >= 0 ? fallback : 1;
  }

  /** The weight this strategy gives `worker`. */
  weightOf(worker: Worker): number {
    const raw = worker.tags[WEIGHT_TAG];
    if (raw === undefined || raw.trim() === '') {
      return this.defaultWeight;
    }
    const weight = Number(raw);
    return Number.isFinite(weight) && weight >= 0 ? weight : this.defaultWeight;
  }

  pick(candidates: readonly Worker[]): Worker | undefined {
    const weights = this.cumulative(candidates);
    if (weights.total <= 0) {
      return undefined;
    }
    const target = this.random() * weights.total;
    let low = 0;
    let high = candidates.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((weights.prefix[middle] ?? 0) > target) {
        high = middle;
      } else {
        low = middle + 1;
      }
    }
    return candidates[low];
  }

  private cumulative(candidates: readonly Worker[]): CumulativeWeights {
    const cached = this.cache.get(candidates);
    if (cached !== undefined) {
      return cached;
    }
    const prefix = new Float64Array(candidates.length);
    let total = 0;
    for (const [index, worker] of candidates.entries()) {
      total += this.weightOf(worker);
      prefix[index] = total;
    }
    const computed = { prefix, total };
    this.cache.set(candidates, computed);
    return computed;
  }
}

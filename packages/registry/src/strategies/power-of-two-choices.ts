import type { RandomSource } from '@rpcnet/base';
import type { LoadBalancingStrategy } from '../strategy.js';
import type { Worker } from '../worker.js';
import type { RandomStrategyOptions } from './random.js';

/**
 * Samples two distinct candidates at random and takes the one with fewer calls in flight
 * (then lower latency EWMA): near least-connections balance at constant cost per call.
 */
export class PowerOfTwoChoices implements LoadBalancingStrategy {
  readonly name = 'power-of-two-choices';
  private readonly random: RandomSource;

  constructor(options: RandomStrategyOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  pick(candidates: readonly Worker[]): Worker | undefined {
    const count = candidates.length;
    if (count <= 1) {
      return candidates[0];
    }
    const first = Math.floor(this.random() * count);
    let second = Math.floor(this.random() * (count - 1));
    if (second >= first) {
      second += 1;
    }
    const a = candidates[first];
    const b = candidates[second];
    if (a === undefined || b === undefined) {
      return a ?? b;
    }
    if (a.inFlight !== b.inFlight) {
      return a.inFlight < b.inFlight ? a : b;
    }
    return (b.latency.ewmaMs ?? 0) < (a.latency.ewmaMs ?? 0) ? b : a;
  }
}

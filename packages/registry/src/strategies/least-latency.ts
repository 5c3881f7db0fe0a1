import type { RandomSource } from '@rpcnet/base';
import type { LoadBalancingStrategy } from '../strategy.js';
import type { Worker } from '../worker.js';

/** Options of the {@link LeastLatency} strategy. */
export interface LeastLatencyOptions {
  /** Where the scan window starts in large pools; `Math.random` by default, seeded in tests. */
  random?: RandomSource;
  /** Most candidates examined per pick; pools up to this size are scanned whole. Default 64. */
  scanLimit?: number;
}

/**
 * Picks the candidate with the lowest expected wait: latency EWMA times (in-flight calls + 1), so a
 * fast worker that is already busy yields to an idle one. Unmeasured workers cost 0 and are tried
 * first; at equal cost fewer calls in flight wins. Pools larger than `scanLimit` are judged on a
 * window of that many candidates at a random position, which keeps a pick O(scanLimit).
 */
export class LeastLatency implements LoadBalancingStrategy {
  readonly name = 'least-latency';
  private readonly random: RandomSource;
  private readonly scanLimit: number;
  private offset = 0;

  constructor(options: LeastLatencyOptions = {}) {
    this.random = options.random ?? Math.random;
    const limit = options.scanLimit ?? 64;
    this.scanLimit = Number.isInteger(limit) && limit >= 1 ? limit : 64;
  }

  pick(candidates: readonly Worker[]): Worker | undefined {
    const count = candidates.length;
    let start: number;
    let span: number;
    if (count <= this.scanLimit) {
      // Rotating the start spreads ties (e.g. all unmeasured) evenly over small pools.
      start = this.offset % count;
      this.offset = (this.offset + 1) % 1_000_000_007;
      span = count;
    } else {
      start = Math.floor(this.random() * count);
      span = this.scanLimit;
    }
    let best: Worker | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    let bestInFlight = Number.POSITIVE_INFINITY;
    for (let step = 0; step < span; step += 1) {
      const worker = candidates[(start + step) % count];
      if (worker === undefined) {
        continue;
      }
      const cost = (worker.latency.ewmaMs ?? 0) * (worker.inFlight + 1);
      if (cost < bestCost || (cost === bestCost && worker.inFlight < bestInFlight)) {
        best = worker;
        bestCost = cost;
        bestInFlight = worker.inFlight;
      }
    }
    return best;
  }
}

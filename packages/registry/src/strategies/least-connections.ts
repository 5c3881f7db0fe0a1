import type { LoadBalancingStrategy } from '../strategy.js';
import type { Worker } from '../worker.js';

/** Picks the candidate with the fewest calls in flight; ties rotate so idle workers share load. */
export class LeastConnections implements LoadBalancingStrategy {
  readonly name = 'least-connections';
  private offset = 0;

  pick(candidates: readonly Worker[]): Worker | undefined {
    const count = candidates.length;
    const start = this.offset % count;
    this.offset = (this.offset + 1) % 1_000_000_007;
    let best: Worker | undefined;
    let bestInFlight = Number.POSITIVE_INFINITY;
    for (let step = 0; step < count; step += 1) {
      const worker = candidates[(start + step) % count];
      if (worker !== undefined && worker.inFlight < bestInFlight) {
        best = worker;
        bestInFlight = worker.inFlight;
        if (bestInFlight === 0) {
          break;
        }
      }
    }
    return best;
  }
}

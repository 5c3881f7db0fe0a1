import type { LoadBalancingStrategy, SelectionContext } from '../strategy.js';
import type { Worker } from '../worker.js';

/** Most filters a round-robin remembers a cursor for; the oldest is forgotten beyond it. */
const MAX_CURSORS = 1024;

/** Cycles through the candidates in order, with one cursor per filter. */
export class RoundRobin implements LoadBalancingStrategy {
  readonly name = 'round-robin';
  private readonly cursors = new Map<string, number>();

  pick(candidates: readonly Worker[], context: SelectionContext): Worker | undefined {
    const cursor = this.cursors.get(context.filterKey);
    if (cursor === undefined && this.cursors.size >= MAX_CURSORS) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) {
        this.cursors.delete(oldest);
      }
    }
    const next = cursor ?? 0;
    this.cursors.set(context.filterKey, (next + 1) % 1_000_000_007);
    return candidates[next % candidates.length];
  }
}

import type { Worker } from './worker.js';

/** What a strategy knows about the call besides the candidates. */
export interface SelectionContext {
  /** The normalized filter of the call (`*` for none), so strategies can keep per-filter state. */
  readonly filterKey: string;
}

/**
 * Picks the worker for one call. Implement it to add a balancing policy of your own.
 * `candidates` is non-empty, already narrowed to selectable workers, and never mutated: the
 * registry passes a new array whenever membership, state or tags change, so a strategy may cache
 * derived data per array. Workers are live views: `inFlight` and `latency` reflect the moment.
 */
export interface LoadBalancingStrategy {
  /** A short name for logs and benchmarks, e.g. `round-robin`. */
  readonly name: string;
  /** Returns one of `candidates`, or `undefined` when none is acceptable (e.g. all weights 0). */
  pick(candidates: readonly Worker[], context: SelectionContext): Worker | undefined;
}

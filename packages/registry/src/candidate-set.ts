import type { NormalizedFilter } from './filter.js';
import type { WorkerEntry } from './worker-entry.js';

/**
 * The cached selectable workers of one filter, split by membership state. Rebuilt into new arrays
 * (never mutated in place) when a membership change touches the filter.
 */
export class CandidateSet {
  alive: readonly WorkerEntry[] = [];
  suspect: readonly WorkerEntry[] = [];
  /** Set when a change may have altered the lists; the next lookup rebuilds them. */
  dirty = true;
  /** The registry generation the lists were built at (used for predicate filters). */
  generation = -1;
  /** Dropped from the registry's cache; holders must look the filter up again. */
  evicted = false;

  constructor(readonly filter: NormalizedFilter) {}
}

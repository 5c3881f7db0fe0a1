import type { NodeTags } from '@rpcnet/gossip';
import { CandidateSet } from './candidate-set.js';
import {
  MATCH_ALL,
  type NormalizedFilter,
  normalizeFilter,
  tagsMatch,
  type WorkerFilter,
  type WorkerPredicate,
} from './filter.js';

/**
 * The registry's candidate sets, one per filter a caller used: tag filters by their normalized
 * key (bounded, oldest evicted), filter strings by their text, predicates by identity (weakly).
 * A membership change marks the sets it may have touched; a set is rebuilt on its next lookup.
 */
export class FilterCache {
  readonly matchAll = new CandidateSet(MATCH_ALL);
  /** Bumped on every change: predicate sets cannot tell which changes touch them. */
  generation = 0;
  readonly #tagSets = new Map<string, CandidateSet>();
  readonly #filterStrings = new Map<string, CandidateSet>();
  readonly #predicateSets = new WeakMap<WorkerPredicate, CandidateSet>();

  constructor(private readonly maxCachedFilters: number) {}

  /** The set of `filter` (created on first use); {@link stale} says whether to rebuild it. */
  setFor(filter: WorkerFilter | undefined): CandidateSet {
    if (filter === undefined) return this.matchAll;
    if (typeof filter === 'function') return this.#predicateSet(filter);
    if (typeof filter !== 'string') return this.#tagSet(normalizeFilter(filter));
    const known = this.#filterStrings.get(filter);
    if (known !== undefined && !known.evicted) return known;
    const set = this.#tagSet(normalizeFilter(filter));
    if (this.#filterStrings.size >= this.maxCachedFilters * 4) this.#filterStrings.clear();
    this.#filterStrings.set(filter, set);
    return set;
  }

  /** True when a change may have altered the set's lists since they were built. */
  stale(set: CandidateSet): boolean {
    return set.dirty || (set.filter.kind === 'predicate' && set.generation !== this.generation);
  }

  /** Marks dirty every cached set that matched the old or matches the new tags of a worker. */
  invalidate(before: NodeTags | undefined, after: NodeTags | undefined): void {
    this.generation += 1;
    this.matchAll.dirty = true;
    for (const set of this.#tagSets.values()) {
      if (set.dirty || set.filter.kind !== 'tags') continue;
      const tags = set.filter.tags;
      if (
        (before !== undefined && tagsMatch(before, tags)) ||
        (after !== undefined && tagsMatch(after, tags))
      ) {
        set.dirty = true;
      }
    }
  }

  #tagSet(filter: NormalizedFilter): CandidateSet {
    if (filter.key === MATCH_ALL.key) return this.matchAll;
    const existing = this.#tagSets.get(filter.key);
    if (existing !== undefined) return existing;
    const created = new CandidateSet(filter);
    this.#tagSets.set(filter.key, created);
    if (this.#tagSets.size > this.maxCachedFilters) {
      const [oldestKey, oldest] = this.#tagSets.entries().next().value ?? [];
      if (oldestKey !== undefined && oldest !== undefined) {
        oldest.evicted = true;
        this.#tagSets.delete(oldestKey);
      }
    }
    return created;
  }

  #predicateSet(predicate: WorkerPredicate): CandidateSet {
    const existing = this.#predicateSets.get(predicate);
    if (existing !== undefined) return existing;
    const created = new CandidateSet(normalizeFilter(predicate));
    this.#predicateSets.set(predicate, created);
    return created;
  }
}

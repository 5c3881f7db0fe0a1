import type { ClusterNode, NodeTags } from '@rpcnet/gossip';
import { InvalidFilterError } from './errors.js';

/** Decides from a member's snapshot whether it may serve a call. */
export type WorkerPredicate = (node: ClusterNode) => boolean;

/**
 * Which workers a call may go to: `"role=worker"`, `"role=worker,gpu=true"` (every term must
 * match), `{ role: 'worker', gpu: 'true' }`, or a predicate over the member's snapshot.
 */
export type WorkerFilter = string | NodeTags | WorkerPredicate;

/** A filter after parsing: tag terms (ANDed) or a predicate, plus a stable cache key. */
export type NormalizedFilter =
  | { readonly kind: 'tags'; readonly key: string; readonly tags: NodeTags }
  | { readonly kind: 'predicate'; readonly key: string; readonly predicate: WorkerPredicate };

/** The filter that matches every worker. */
export const MATCH_ALL: NormalizedFilter = Object.freeze({
  kind: 'tags',
  key: '*',
  tags: Object.freeze({}),
});

const KEY_PATTERN = /^[^\s=,]+$/;

/** Parses `"key=value,key2=value2"`; throws {@link InvalidFilterError} naming the problem. */
export function parseFilterString(filter: string): NodeTags {
  if (filter.trim() === '') {
    throw new InvalidFilterError(filter, 'filter is empty (omit it to match every worker)');
  }
  const tags: Record<string, string> = {};
  const terms = filter.split(',');
  for (const [index, rawTerm] of terms.entries()) {
    const term = rawTerm.trim();
    if (term === '') {
      throw new InvalidFilterError(filter, `term ${index + 1} is empty`);
    }
    const equals = term.indexOf('=');
    if (equals === -1) {
      throw new InvalidFilterError(filter, `term "${term}" has no "=" (expected key=value)`);
    }
    const key = term.slice(0, equals).trim();
    const value = term.slice(equals + 1).trim();
    if (key === '') {
      throw new InvalidFilterError(filter, `term "${term}" has an empty key`);
    }
    if (!KEY_PATTERN.test(key)) {
      throw new InvalidFilterError(filter, `key "${key}" contains whitespace`);
    }
    if (value === '') {
      throw new InvalidFilterError(filter, `term "${term}" has an empty value`);
    }
    if (value.includes('=')) {
      throw new InvalidFilterError(filter, `term "${term}" has more than one "="`);
    }
    const existing = tags[key];
    if (existing !== undefined && existing !== value) {
      throw new InvalidFilterError(filter, `key "${key}" is given two values`);
    }
    tags[key] = value;
  }
  return Object.freeze(tags);
}

/** Renders tags as the canonical `key=value,...` string, keys sorted (`*` when empty). */
export function formatTags(tags: NodeTags): string {
  const keys = Object.keys(tags).sort();
  if (keys.length === 0) {
    return '*';
  }
  return keys.map((key) => `${key}=${tags[key]}`).join(',');
}

function validateTagObject(tags: NodeTags): NodeTags {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    // Callers from plain JavaScript can hand over anything; reject it with a named reason.
    const raw: unknown = value;
    if (typeof raw !== 'string') {
      throw new InvalidFilterError(formatLoose(tags), `value of "${key}" is not a string`);
    }
    if (key === '' || !KEY_PATTERN.test(key)) {
      throw new InvalidFilterError(
        formatLoose(tags),
        `key "${key}" is empty or contains "=", "," or whitespace`,
      );
    }
    copy[key] = raw;
  }
  return Object.freeze(copy);
}

function formatLoose(tags: NodeTags): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(',');
}

/** Turns any accepted filter form into a {@link NormalizedFilter}; `undefined` matches all. */
export function normalizeFilter(filter: WorkerFilter | undefined): NormalizedFilter {
  if (filter === undefined) {
    return MATCH_ALL;
  }
  if (typeof filter === 'function') {
    return { kind: 'predicate', key: `predicate:${filter.name || 'anonymous'}`, predicate: filter };
  }
  const tags = typeof filter === 'string' ? parseFilterString(filter) : validateTagObject(filter);
  return { kind: 'tags', key: formatTags(tags), tags };
}

/** True when `tags` contains every `key=value` pair of `required`. */
export function tagsMatch(tags: NodeTags, required: NodeTags): boolean {
  for (const key in required) {
    if (tags[key] !== required[key]) {
      return false;
    }
  }
  return true;
}

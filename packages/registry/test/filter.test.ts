import { describe, expect, it } from 'vitest';
import { InvalidFilterError } from '../src/errors.js';
import { normalizeFilter, parseFilterString, tagsMatch } from '../src/filter.js';
import { makeNode } from './support/fake-membership.js';

function rejection(filter: string): InvalidFilterError {
  try {
    parseFilterString(filter);
  } catch (error) {
    if (error instanceof InvalidFilterError) {
      return error;
    }
    throw error;
  }
  throw new Error(`"${filter}" was accepted`);
}

describe('filters', () => {
  it('parses the seed form and several terms, trimming spaces', () => {
    expect(parseFilterString('role=worker')).toEqual({ role: 'worker' });
    expect(parseFilterString(' role = worker , gpu=true ')).toEqual({
      role: 'worker',
      gpu: 'true',
    });
  });

  it('normalizes string and object forms to the same sorted key', () => {
    const fromString = normalizeFilter('role=worker,gpu=true');
    const fromObject = normalizeFilter({ gpu: 'true', role: 'worker' });
    expect(fromString.key).toBe('gpu=true,role=worker');
    expect(fromObject.key).toBe(fromString.key);
    expect(normalizeFilter(undefined).key).toBe('*');
    expect(normalizeFilter({}).key).toBe('*');
  });

  it('keeps predicates as predicates', () => {
    const isGpu = (node: { tags: Readonly<Record<string, string>> }) => node.tags.gpu === 'true';
    const filter = normalizeFilter(isGpu);
    expect(filter.kind).toBe('predicate');
    if (filter.kind === 'predicate') {
      expect(filter.predicate(makeNode('a', { tags: { gpu: 'true' } }))).toBe(true);
    }
  });

  it.each([
    ['', 'filter is empty'],
    ['   ', 'filter is empty'],
    ['role', 'term "role" has no "="'],
    ['role=worker,', 'term 2 is empty'],
    ['=worker', 'has an empty key'],
    ['role=', 'has an empty value'],
    ['role=a=b', 'more than one "="'],
    ['my role=worker', 'key "my role" contains whitespace'],
    ['role=worker,role=director', 'key "role" is given two values'],
  ])('rejects %j naming the problem', (filter, reason) => {
    const error = rejection(filter);
    expect(error.filter).toBe(filter);
    expect(error.reason).toContain(reason);
    expect(error.message).toContain(reason);
  });

  it('accepts a repeated term with the same value', () => {
    expect(parseFilterString('role=worker,role=worker')).toEqual({ role: 'worker' });
  });

  it('rejects object filters with non-string values or bad keys', () => {
    const loose: Record<string, unknown> = { role: 'worker', gpu: true };
    expect(() => normalizeFilter(loose as Record<string, string>)).toThrow(
      /value of "gpu" is not a string/,
    );
    expect(() => normalizeFilter({ 'a b': 'x' })).toThrow(InvalidFilterError);
  });

  it('matches tags as an AND of all terms', () => {
    const tags = { role: 'worker', gpu: 'true', zone: 'a' };
    expect(tagsMatch(tags, { role: 'worker', gpu: 'true' })).toBe(true);
    expect(tagsMatch(tags, { role: 'worker', gpu: 'false' })).toBe(false);
    expect(tagsMatch(tags, { region: 'eu' })).toBe(false);
    expect(tagsMatch(tags, {})).toBe(true);
  });
});

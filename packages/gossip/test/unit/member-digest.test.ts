import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  differingBuckets,
  digestBucketCount,
  foldDigest,
  memberDigest,
} from '../../src/member-digest.js';
import type { ClusterNode } from '../../src/node.js';

function node(index: number, incarnation = 0, state: ClusterNode['state'] = 'alive'): ClusterNode {
  return {
    id: `member-${index.toString().padStart(4, '0')}`,
    gossipAddress: `10.0.${Math.floor(index / 250)}.${index % 250}:7946`,
    tags: {},
    state,
    incarnation,
  };
}

const table = Array.from({ length: 200 }, (_, index) => node(index));

describe('member digest', () => {
  it('is the same for the same records in any order', () => {
    const shuffled = [...table].reverse();
    expect(memberDigest(shuffled, 25)).toEqual(memberDigest(table, 25));
  });

  it('differs in exactly the bucket of a record whose incarnation or state changed', () => {
    const base = memberDigest(table, 25);
    for (const changed of [node(42, 1), node(42, 0, 'suspect'), node(42, 0, 'dead')]) {
      const other = table.map((record) => (record.id === changed.id ? changed : record));
      expect(differingBuckets(base, memberDigest(other, 25))).toEqual([bucketOf(changed.id, 25)]);
    }
  });

  it('differs in the bucket of a record whose tags or addresses changed at the same incarnation', () => {
    // A member restarted with new tags before anyone noticed its old process go: only a digest
    // that differs brings it the old record it must refute.
    const base = memberDigest(table, 25);
    const original = node(42);
    for (const changed of [
      { ...original, tags: { version: '2' } },
      { ...original, gossipAddress: 'moved:7946' },
      { ...original, rpcAddress: '10.0.0.42:50051' },
    ]) {
      const other = table.map((record) => (record.id === changed.id ? changed : record));
      expect(differingBuckets(base, memberDigest(other, 25))).toEqual([bucketOf(changed.id, 25)]);
    }
    // Tags in another key order are the same tags.
    const ordered = table.map((record, index) =>
      index === 7 ? { ...record, tags: { a: '1', b: '2' } } : record,
    );
    const reordered = table.map((record, index) =>
      index === 7 ? { ...record, tags: { b: '2', a: '1' } } : record,
    );
    expect(memberDigest(reordered, 25)).toEqual(memberDigest(ordered, 25));
  });

  it('differs in the bucket of a record one side does not hold', () => {
    const without = table.filter((record) => record.id !== 'member-0007');
    expect(differingBuckets(memberDigest(table, 25), memberDigest(without, 25))).toEqual([
      bucketOf('member-0007', 25),
    ]);
  });

  it('spreads records over a power of two of buckets, at most eight per bucket, within the room given', () => {
    expect(digestBucketCount(200, 330)).toBe(32);
    expect(digestBucketCount(256, 330)).toBe(32);
    expect(digestBucketCount(257, 330)).toBe(64);
    expect(digestBucketCount(10_000, 330)).toBe(256);
    expect(digestBucketCount(0, 330)).toBe(1);
    const sizes = new Array<number>(32).fill(0);
    for (const record of table) sizes[bucketOf(record.id, 32)]!++;
    expect(Math.max(...sizes)).toBeLessThan(20);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });

  it('folds a finer digest into any bucket count that divides it, as if hashed afresh', () => {
    const fine = memberDigest(table, 64);
    for (const bucketCount of [1, 2, 16, 64]) {
      expect(foldDigest(fine, bucketCount)).toEqual(memberDigest(table, bucketCount));
    }
  });
});

import type { ClusterNode, NodeId, NodeState, NodeTags } from './node.js';

/** What a record's fingerprint covers: everything but its id (given as its hash). */
export type FingerprintedRecord = Pick<
  ClusterNode,
  'incarnation' | 'state' | 'gossipAddress' | 'rpcAddress' | 'tags'
>;

/** Records per bucket a digest aims at: a differing bucket then costs a few records to repair. */
const RECORDS_PER_BUCKET = 8;

const STATE_CODES: Readonly<Record<NodeState, number>> = {
  alive: 1,
  suspect: 2,
  dead: 3,
  left: 4,
};

/** FNV-1a of `id`: which bucket a record falls in, the same on every node. */
export function idHash(id: NodeId): number {
  return fnv1a(0x811c9dc5, id);
}

function fnv1a(seed: number, text: string): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Tag hashes by tags object: a pool shares one object per distinct tags, so most are hits. */
const tagHashes = new WeakMap<NodeTags, number>();

function tagsHash(tags: NodeTags): number {
  let hash = tagHashes.get(tags);
  if (hash === undefined) {
    hash = 0x811c9dc5;
    for (const key of Object.keys(tags).sort()) {
      hash = fnv1a(fnv1a(hash, key) ^ 0x3d, tags[key] ?? '') ^ 0x3b;
    }
    hash >>>= 0;
    tagHashes.set(tags, hash);
  }
  return hash;
}

/**
 * FNV-1a of a record's addresses and tags (sorted by key): what two records of one member at
 * the same incarnation and state can still differ in, when the member restarted with new tags
 * or a new address before anyone noticed its old process go.
 */
export function metadataHash(
  record: Pick<ClusterNode, 'gossipAddress' | 'rpcAddress' | 'tags'>,
): number {
  const addresses = fnv1a(
    fnv1a(0x811c9dc5, record.gossipAddress) ^ 0x7c,
    record.rpcAddress ?? '\u0000',
  );
  return (addresses ^ Math.imul(tagsHash(record.tags), 0x27d4eb2f)) >>> 0;
}

/** The bucket of `id` among `bucketCount`. */
export function bucketOf(id: NodeId, bucketCount: number): number {
  return bucketIndex(idHash(id), bucketCount);
}

/**
 * `hash % bucketCount`, as a mask when `bucketCount` is a power of two (every count nodes use): a
 * hash of 2^31 or more is a double to V8, and `%` on one calls out to a floating-point remainder
 * (with the table lookup it indexed, half the cost of storing a record in a member table).
 */
export function bucketIndex(hash: number, bucketCount: number): number {
  return (bucketCount & (bucketCount - 1)) === 0 ? hash & (bucketCount - 1) : hash % bucketCount;
}

/**
 * Buckets of the finest digest a member table keeps up to date. Every power of two up to it
 * divides it, so a digest of such a bucket count is a fold of this one, not a pass over the table.
 */
export const KEPT_DIGEST_BUCKETS = 1024;

/**
 * How many buckets a digest of `records` records uses, given room for `maxBuckets`: the power of
 * two nearest above `records / 8`, at most the largest one that fits. A power of two, so the
 * digest folds out of the one a table keeps (see {@link foldDigest}) whatever the table's size.
 */
export function digestBucketCount(records: number, maxBuckets: number): number {
  const wanted = Math.ceil(records / RECORDS_PER_BUCKET);
  let count = 1;
  while (count < wanted && count * 2 <= maxBuckets) count *= 2;
  return count;
}

/**
 * The digest in `bucketCount` buckets out of a finer one whose bucket count is a multiple of it:
 * `hash % bucketCount` is `(hash % fine.length) % bucketCount`, so bucket i sums the fine
 * buckets congruent to i.
 */
export function foldDigest(fine: Uint32Array, bucketCount: number): Uint32Array {
  const checksums = fine.slice(0, bucketCount);
  for (let start = bucketCount; start < fine.length; start += bucketCount) {
    for (let i = 0; i < bucketCount; i++) checksums[i] = (checksums[i]! + fine[start + i]!) >>> 0;
  }
  return checksums;
}

/**
 * A record's fingerprint, from its id's {@link idHash}, incarnation, state, addresses and tags:
 * its contribution to its bucket's checksum, and what names it in a fingerprint answer. Two
 * records of one bucket share one with odds of about 2^-32. Addresses and tags count: a member
 * that restarted with new tags at its old incarnation holds a record others do not, and only a
 * digest that differs brings it their old record, which it must see to refute it.
 */
export function recordFingerprint(hash: number, record: FingerprintedRecord): number {
  // murmur3's finalizer spreads small incarnation and state changes over all bits.
  let h =
    (hash ^
      Math.imul(record.incarnation + 1, 0x9e3779b1) ^
      Math.imul(STATE_CODES[record.state], 0x85ebca6b) ^
      Math.imul(metadataHash(record), 0x165667b1)) >>>
    0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Checksums of a member table in `bucketCount` buckets: per bucket the sum (mod 2^32) of its
 * records' hashes of id, incarnation and state. A sum does not depend on the order of records,
 * so two nodes holding the same records get the same digest.
 */
export function memberDigest(records: Iterable<ClusterNode>, bucketCount: number): Uint32Array {
  const checksums = new Uint32Array(bucketCount);
  for (const record of records) addToDigest(checksums, idHash(record.id), record);
  return checksums;
}

/** Adds one record, whose id hashes to `hash` ({@link idHash}), to its bucket's checksum. */
export function addToDigest(
  checksums: Uint32Array,
  hash: number,
  record: FingerprintedRecord,
): void {
  adjustChecksum(checksums, hash, recordFingerprint(hash, record), 1);
}

/**
 * Adds (`sign` 1) or takes out (-1) a record's {@link recordFingerprint}, already computed, in its
 * bucket's checksum, for a table that keeps each record's fingerprint.
 */
export function adjustChecksum(
  checksums: Uint32Array,
  hash: number,
  fingerprint: number,
  sign: 1 | -1,
): void {
  const bucket = bucketIndex(hash, checksums.length);
  // Both terms are below 2^32, so the sum is exact before it is taken mod 2^32.
  checksums[bucket] = (checksums[bucket]! + sign * fingerprint) >>> 0;
}

/** Indexes of the buckets where `ours` and `theirs` differ (same length). */
export function differingBuckets(ours: Uint32Array, theirs: Uint32Array): number[] {
  const differing: number[] = [];
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing.push(i);
  return differing;
}

import { grownArray } from './grown-array.js';

/**
 * Which slots of a member table fall in each bucket of its kept digest: one doubly linked chain per
 * bucket, threaded through typed arrays indexed by slot. A fingerprint exchange then visits the
 * records of the buckets it names, not the whole table: each chunk of an answer names a few
 * buckets, and a scan of every record per chunk made a large simulated formation O(n^3) (16% of
 * the CPU of a 10,000-member run while it caught up).
 */
export class BucketChains {
  private readonly heads: Int32Array;
  private next: Int32Array;
  private previous: Int32Array;

  /** Chains for `buckets` buckets over room for `capacity` slots. */
  constructor(buckets: number, capacity: number) {
    this.heads = new Int32Array(buckets).fill(-1);
    this.next = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
  }

  /** Makes room for slots below `capacity`. */
  grow(capacity: number): void {
    this.next = grownArray(this.next, capacity);
    this.previous = grownArray(this.previous, capacity);
  }

  /** Adds `slot` to `bucket`'s chain. */
  link(slot: number, bucket: number): void {
    const first = this.heads[bucket]!;
    this.next[slot] = first;
    this.previous[slot] = -1;
    if (first >= 0) this.previous[first] = slot;
    this.heads[bucket] = slot;
  }

  /** Takes `slot` out of `bucket`'s chain. */
  unlink(slot: number, bucket: number): void {
    const before = this.previous[slot]!;
    const after = this.next[slot]!;
    if (before >= 0) this.next[before] = after;
    else this.heads[bucket] = after;
    if (after >= 0) this.previous[after] = before;
  }

  /** `from`, in `bucket`'s chain, is now `to` (a table moved its record there). */
  move(from: number, to: number, bucket: number): void {
    const before = this.previous[from]!;
    const after = this.next[from]!;
    this.previous[to] = before;
    this.next[to] = after;
    if (before >= 0) this.next[before] = to;
    else this.heads[bucket] = to;
    if (after >= 0) this.previous[after] = to;
  }

  /** Appends the slots of `bucket`'s chain to `out` (in no particular order). */
  collect(bucket: number, out: number[]): void {
    for (let slot = this.heads[bucket]!; slot >= 0; slot = this.next[slot]!) out.push(slot);
  }
}

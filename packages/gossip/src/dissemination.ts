import type { StateUpdateMessage } from './messages.js';
import type { NodeId } from './node.js';

/** How many times each update is sent: `multiplier * ceil(log10(n + 1))`. */
export function retransmitLimit(multiplier: number, liveNodes: number): number {
  return multiplier * Math.ceil(Math.log10(liveNodes + 1));
}

interface QueuedUpdate<T> {
  readonly key: NodeId;
  readonly payload: T;
  readonly size: number;
  transmits: number;
  /** Order of arrival in its current bucket. */
  seq: number;
  removed: boolean;
  readonly onTransmit: ((transmits: number) => void) | undefined;
}

/** Smallest useful remaining budget; below it a scan stops. */
const MIN_UPDATE_BYTES = 8;
/** Superseded entries a bucket tolerates before compacting (and at least as many as it queues). */
const COMPACT_MIN_STALE = 64;

/**
 * The updates sent a given number of times, kept in one list per encoded size, oldest first, with
 * a sequence number giving their order across lists. Taking "the newest entry that fits" then costs
 * one look per distinct size instead of a walk over the whole bucket. Superseded entries linger in
 * their list until they reach its end or the bucket is compacted.
 */
class TransmitBucket<T> {
  private readonly bySize = new Map<number, QueuedUpdate<T>[]>();
  /** The sizes that have a list, ascending. */
  private sizes: number[] = [];
  private queued = 0;
  private stale = 0;

  add(update: QueuedUpdate<T>): void {
    let list = this.bySize.get(update.size);
    if (list === undefined) {
      list = [];
      this.bySize.set(update.size, list);
      let at = this.sizes.length;
      while (at > 0 && this.sizes[at - 1]! > update.size) at--;
      this.sizes.splice(at, 0, update.size);
    }
    list.push(update);
    this.queued++;
  }

  /** A queued entry was superseded or retired in place: it stays in its list until passed. */
  release(): void {
    this.queued--;
    this.stale++;
    if (this.stale > Math.max(COMPACT_MIN_STALE, this.queued)) this.compact();
  }

  /** Entries in its lists, superseded ones not yet passed included. */
  get held(): number {
    let count = 0;
    for (const list of this.bySize.values()) count += list.length;
    return count;
  }

  /** Takes out the most recently added queued entry of at most `budget` bytes, if any. */
  takeNewestFitting(budget: number): QueuedUpdate<T> | undefined {
    let best: QueuedUpdate<T>[] | undefined;
    let bestSeq = -1;
    let emptied = false;
    for (const size of this.sizes) {
      if (size > budget) break;
      const list = this.bySize.get(size)!;
      while (list.length > 0 && list[list.length - 1]!.removed) {
        list.pop();
        this.stale--;
      }
      const tail = list[list.length - 1];
      if (tail === undefined) emptied = true;
      else if (tail.seq > bestSeq) {
        best = list;
        bestSeq = tail.seq;
      }
    }
    if (emptied) this.dropEmptyLists();
    const update = best?.pop();
    if (update !== undefined) this.queued--;
    return update;
  }

  /** Empties the bucket, returning the entries still queued. */
  drain(): QueuedUpdate<T>[] {
    const queued: QueuedUpdate<T>[] = [];
    for (const list of this.bySize.values()) {
      for (const update of list) if (!update.removed) queued.push(update);
    }
    this.bySize.clear();
    this.sizes = [];
    this.queued = 0;
    this.stale = 0;
    return queued;
  }

  private compact(): void {
    for (const [size, list] of this.bySize) {
      let kept = 0;
      for (const update of list) if (!update.removed) list[kept++] = update;
      list.length = kept;
      if (kept === 0) this.bySize.delete(size);
    }
    this.sizes = this.sizes.filter((size) => this.bySize.has(size));
    this.stale = 0;
  }

  private dropEmptyLists(): void {
    this.sizes = this.sizes.filter((size) => {
      if (this.bySize.get(size)!.length > 0) return true;
      this.bySize.delete(size);
      return false;
    });
  }
}

/**
 * Pending membership updates, piggybacked on outgoing datagrams. One update per node (a newer one
 * replaces the older). Picks the least-sent first and, among equals, the newest; drops an update
 * after the retransmit limit. `T` is the update as carried (the protocol queues encoded bytes).
 */
export class BroadcastQueue<T = StateUpdateMessage> {
  private readonly byKey = new Map<NodeId, QueuedUpdate<T>>();
  /** buckets[t] holds updates sent t times, oldest first. */
  private readonly buckets: TransmitBucket<T>[] = [];
  private nextSeq = 0;

  /** Updates waiting to be (re)sent. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Queues `payload` about `key` (taking `size` bytes of a datagram), replacing any older update
   * about that node. `onTransmit` is told each time it is sent.
   */
  enqueue(key: NodeId, payload: T, size: number, onTransmit?: (transmits: number) => void): void {
    const existing = this.byKey.get(key);
    if (existing !== undefined) this.supersede(existing);
    const update: QueuedUpdate<T> = {
      key,
      payload,
      size,
      transmits: 0,
      seq: 0,
      removed: false,
      onTransmit,
    };
    this.byKey.set(key, update);
    this.addToBucket(update);
  }

  /**
   * Entries held in memory, superseded ones not yet reclaimed included: a bucket compacts once its
   * superseded entries outnumber both 64 and its queued ones, so this stays within about twice
   * {@link size} plus 64 per transmit count.
   */
  get heldEntries(): number {
    let count = 0;
    for (const bucket of this.buckets) count += bucket.held;
    return count;
  }

  /** True if an update about `key` is waiting to be (re)sent. */
  has(key: NodeId): boolean {
    return this.byKey.has(key);
  }

  /** Drops any pending update about `key`. */
  remove(key: NodeId): void {
    const existing = this.byKey.get(key);
    if (existing === undefined) return;
    this.supersede(existing);
    this.byKey.delete(key);
  }

  /**
   * Takes updates fitting in `budgetBytes`, least-sent and freshest first, counting one
   * transmission for each; those reaching `limit` transmissions leave the queue.
   */
  take(budgetBytes: number, limit: number): T[] {
    if (this.byKey.size === 0) return [];
    let remaining = budgetBytes;
    const picked: QueuedUpdate<T>[] = [];
    for (let t = 0; t < this.buckets.length && remaining >= MIN_UPDATE_BYTES; t++) {
      const bucket = this.buckets[t]!;
      if (t >= limit) {
        // The limit shrank (fewer live members): everything sent this often is done.
        for (const update of bucket.drain()) this.retire(update);
        continue;
      }
      // Same picks as walking the bucket newest to oldest and taking whatever still fits.
      for (;;) {
        const update = bucket.takeNewestFitting(remaining);
        if (update === undefined) break;
        picked.push(update);
        remaining -= update.size;
        if (remaining < MIN_UPDATE_BYTES) break;
      }
    }
    for (let i = picked.length - 1; i >= 0; i--) {
      const update = picked[i]!;
      update.transmits++;
      if (update.transmits >= limit) this.retire(update);
      else this.addToBucket(update);
    }
    for (const update of picked) update.onTransmit?.(update.transmits);
    return picked.map((update) => update.payload);
  }

  /** Empties the queue. */
  clear(): void {
    this.byKey.clear();
    this.buckets.length = 0;
  }

  /** Marks a queued update as replaced; its bucket forgets it. */
  private supersede(update: QueuedUpdate<T>): void {
    update.removed = true;
    this.buckets[update.transmits]?.release();
  }

  private retire(update: QueuedUpdate<T>): void {
    update.removed = true;
    if (this.byKey.get(update.key) === update) this.byKey.delete(update.key);
  }

  private addToBucket(update: QueuedUpdate<T>): void {
    update.seq = this.nextSeq++;
    this.bucket(update.transmits).add(update);
  }

  private bucket(transmits: number): TransmitBucket<T> {
    while (this.buckets.length <= transmits) this.buckets.push(new TransmitBucket<T>());
    return this.buckets[transmits]!;
  }
}

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
  removed: boolean;
  readonly onTransmit: ((transmits: number) => void) | undefined;
}

/** Smallest useful remaining budget; below it a scan stops. */
const MIN_UPDATE_BYTES = 8;

/**
 * Pending membership updates, piggybacked on outgoing datagrams. One update per node (a newer one
 * replaces the older). Picks the least-sent first and, among equals, the newest; drops an update
 * after the retransmit limit. `T` is the update as carried (the protocol queues encoded bytes).
 */
export class BroadcastQueue<T = StateUpdateMessage> {
  private readonly byKey = new Map<NodeId, QueuedUpdate<T>>();
  /** buckets[t] holds updates sent t times, oldest first. */
  private readonly buckets: QueuedUpdate<T>[][] = [];

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
    if (existing !== undefined) existing.removed = true;
    const update: QueuedUpdate<T> = {
      key,
      payload,
      size,
      transmits: 0,
      removed: false,
      onTransmit,
    };
    this.byKey.set(key, update);
    this.bucket(0).push(update);
  }

  /** True if an update about `key` is waiting to be (re)sent. */
  has(key: NodeId): boolean {
    return this.byKey.has(key);
  }

  /** Drops any pending update about `key`. */
  remove(key: NodeId): void {
    const existing = this.byKey.get(key);
    if (existing === undefined) return;
    existing.removed = true;
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
      for (let i = bucket.length - 1; i >= 0; i--) {
        const update = bucket[i]!;
        if (update.removed || update.transmits >= limit) {
          bucket.splice(i, 1);
          if (!update.removed) this.retire(update);
          continue;
        }
        if (update.size > remaining) continue;
        picked.push(update);
        remaining -= update.size;
        bucket.splice(i, 1);
        if (remaining < MIN_UPDATE_BYTES) break;
      }
    }
    for (let i = picked.length - 1; i >= 0; i--) {
      const update = picked[i]!;
      update.transmits++;
      if (update.transmits >= limit) this.retire(update);
      else this.bucket(update.transmits).push(update);
    }
    for (const update of picked) update.onTransmit?.(update.transmits);
    return picked.map((update) => update.payload);
  }

  /** Empties the queue. */
  clear(): void {
    this.byKey.clear();
    this.buckets.length = 0;
  }

  private retire(update: QueuedUpdate<T>): void {
    update.removed = true;
    if (this.byKey.get(update.key) === update) this.byKey.delete(update.key);
  }

  private bucket(transmits: number): QueuedUpdate<T>[] {
    while (this.buckets.length <= transmits) this.buckets.push([]);
    return this.buckets[transmits]!;
  }
}

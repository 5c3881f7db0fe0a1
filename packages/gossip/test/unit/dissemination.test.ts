import { describe, expect, it } from 'vitest';
import { encodedMessageSize } from '../../src/codec.js';
import { BroadcastQueue, retransmitLimit } from '../../src/dissemination.js';
import type { StateUpdateMessage } from '../../src/messages.js';

function suspect(id: string, incarnation = 0): StateUpdateMessage {
  return { kind: 'suspect', id, incarnation, from: 'me' };
}

function enqueue(
  queue: BroadcastQueue,
  message: StateUpdateMessage,
  onTransmit?: (n: number) => void,
): void {
  queue.enqueue(message.id, message, encodedMessageSize(message), onTransmit);
}

describe('retransmitLimit', () => {
  it('is mult * ceil(log10(n + 1))', () => {
    expect(retransmitLimit(4, 1)).toBe(4);
    expect(retransmitLimit(4, 9)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 1000)).toBe(16);
  });
});

describe('BroadcastQueue', () => {
  it('sends the least-sent updates first and, among equals, the newest', () => {
    const queue = new BroadcastQueue();
    enqueue(queue, suspect('a'));
    enqueue(queue, suspect('b'));
    expect(queue.take(1000, 10).map((m) => m.id)).toEqual(['b', 'a']);
    enqueue(queue, suspect('c'));
    expect(queue.take(1000, 10).map((m) => m.id)).toEqual(['c', 'b', 'a']);
  });

  it('drops an update once it reached the retransmit limit', () => {
    const queue = new BroadcastQueue();
    const sent: number[] = [];
    enqueue(queue, suspect('a'), (n) => sent.push(n));
    for (let i = 0; i < 3; i++) expect(queue.take(1000, 3)).toHaveLength(1);
    expect(queue.take(1000, 3)).toHaveLength(0);
    expect(queue.size).toBe(0);
    expect(sent).toEqual([1, 2, 3]);
  });

  it('replaces an older update about the same node', () => {
    const queue = new BroadcastQueue();
    enqueue(queue, suspect('a', 1));
    enqueue(queue, suspect('a', 2));
    expect(queue.size).toBe(1);
    expect(queue.take(1000, 5)).toEqual([suspect('a', 2)]);
  });

  it('fills at most the byte budget', () => {
    const queue = new BroadcastQueue();
    for (let i = 0; i < 50; i++) enqueue(queue, suspect(`node-${i}`));
    const size = encodedMessageSize(suspect('node-10'));
    const taken = queue.take(size * 5 + 2, 10);
    expect(taken.length).toBeGreaterThanOrEqual(4);
    expect(taken.reduce((sum, m) => sum + encodedMessageSize(m), 0)).toBeLessThanOrEqual(
      size * 5 + 2,
    );
    expect(queue.take(3, 10)).toEqual([]);
  });

  it('forgets removed updates', () => {
    const queue = new BroadcastQueue();
    enqueue(queue, suspect('a'));
    enqueue(queue, suspect('b'));
    queue.remove('a');
    expect(queue.take(1000, 5).map((m) => m.id)).toEqual(['b']);
  });

  // 20,000 checked steps take ~1 s idle; the bound is for a loaded 2-core machine.
  it('picks exactly what a newest-to-oldest walk of each bucket would, under random use', {
    timeout: 30_000,
  }, () => {
    compareWithReference({ seed: 7, steps: 20_000, keys: 300, sizes: [20, 31], burst: 1 });
  });

  it('matches the walk through compactions: bursts of replacements, small and tight budgets', {
    timeout: 30_000,
  }, () => {
    // Few keys replaced in bursts leave hundreds of superseded entries in a bucket (compacted
    // past 64); sizes around MIN_UPDATE_BYTES (8) hit the budget's exact edges.
    compareWithReference({ seed: 11, steps: 3_000, keys: 12, sizes: [1, 16], burst: 40 });
    compareWithReference({ seed: 12, steps: 3_000, keys: 90, sizes: [4, 12], burst: 25 });
  });

  it('stops filling a datagram below 8 bytes left, and goes on at exactly 8', () => {
    const sameBucket = new BroadcastQueue<string>();
    sameBucket.enqueue('a', 'a', 8);
    sameBucket.enqueue('b', 'b', 8);
    // 8 left after 'b': 'a' still goes.
    expect(sameBucket.take(16, 10)).toEqual(['b', 'a']);

    const nextBucket = new BroadcastQueue<string>();
    nextBucket.enqueue('old', 'old', 8);
    expect(nextBucket.take(100, 10)).toEqual(['old']);
    nextBucket.enqueue('c', 'c', 4);
    nextBucket.enqueue('d', 'd', 4);
    // 8 left after the fresh ones: 'old', sent once, fills the rest.
    expect(nextBucket.take(16, 10)).toEqual(['d', 'c', 'old']);

    const under = new BroadcastQueue<string>();
    under.enqueue('y', 'y', 3);
    under.enqueue('x', 'x', 5);
    // 5 left after 'x': under 8, so the 3-byte 'y' waits for the next datagram.
    expect(under.take(10, 10)).toEqual(['x']);
    expect(under.take(10, 10)).toEqual(['y']);
  });

  it('reclaims superseded entries once they outnumber both 64 and the queued ones', () => {
    const one = new BroadcastQueue<string>();
    for (let i = 0; i <= 64; i++) one.enqueue('a', `a${i}`, 10);
    // 64 superseded, 1 queued: not yet more than 64.
    expect(one.heldEntries).toBe(65);
    one.enqueue('a', 'a65', 10);
    expect(one.heldEntries).toBe(1);
    expect(one.take(100, 10)).toEqual(['a65']);

    const many = new BroadcastQueue<string>();
    for (let i = 0; i < 100; i++) many.enqueue(`k${i}`, `k${i}`, 10);
    for (let i = 0; i < 99; i++) many.enqueue(`k${i}`, `k${i}'`, 10);
    // 99 superseded of 100 queued: kept until they outnumber the queued ones.
    expect(many.heldEntries).toBe(199);
    many.remove('k99');
    // 100 superseded (a removal counts) against 99 queued: compacted.
    expect(many.heldEntries).toBe(99);
    expect(many.size).toBe(99);
  });

  it('counts superseded entries out once a send passes them, and sent ones out of the queue', () => {
    // 64 superseded 'a's under the queued one; a send takes it, the next passes the 64.
    const passed = new BroadcastQueue<string>();
    for (let i = 0; i <= 64; i++) passed.enqueue('a', `a${i}`, 10);
    expect(passed.take(10, 10)).toEqual(['a64']);
    expect(passed.take(0, 10)).toEqual([]);
    expect(passed.take(100, 10)).toEqual(['a64']);
    expect(passed.heldEntries).toBe(1);
    // One superseded entry is far from a compaction, so it stays held.
    passed.enqueue('b', 'b0', 10);
    passed.enqueue('b', 'b1', 10);
    expect(passed.heldEntries).toBe(3);

    // 100 sent entries leave the fresh bucket's queue: with 1 queued, 65 superseded compact it.
    const sent = new BroadcastQueue<string>();
    for (let i = 0; i < 100; i++) sent.enqueue(`k${i}`, `k${i}`, 10);
    expect(sent.take(1000, 10)).toHaveLength(100);
    expect(sent.take(0, 10)).toEqual([]);
    for (let i = 0; i <= 64; i++) sent.enqueue('z', `z${i}`, 10);
    expect(sent.heldEntries).toBe(100 + 65);
    sent.enqueue('z', 'z65', 10);
    expect(sent.heldEntries).toBe(100 + 1);

    // Sends that find nothing small enough take nothing out of the queue.
    const unsent = new BroadcastQueue<string>();
    for (let i = 0; i < 100; i++) unsent.enqueue(`k${i}`, `k${i}`, 10);
    for (let i = 0; i < 5; i++) expect(unsent.take(9, 10)).toEqual([]);
    for (let i = 0; i < 99; i++) unsent.enqueue(`k${i}`, `k${i}'`, 10);
    // 99 superseded against 100 queued (99 while the last replacement is made): not compacted.
    expect(unsent.heldEntries).toBe(199);
  });

  it('keeps memory bounded under endless replacement between sends', () => {
    const queue = new BroadcastQueue<string>();
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) queue.enqueue(`k${i % 10}`, `k${i % 10}@${round}.${i}`, 10);
      queue.take(35, 4);
      expect(queue.size).toBe(10);
      // Per transmit count (0 to 3): at most max(64, queued) superseded beside the queued.
      expect(queue.heldEntries).toBeLessThanOrEqual(4 * (64 + 10));
    }
  });

  it('clears every pending update', () => {
    const queue = new BroadcastQueue<string>();
    queue.enqueue('a', 'a', 10);
    queue.take(100, 10);
    queue.enqueue('b', 'b', 10);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.has('a')).toBe(false);
    expect(queue.take(100, 10)).toEqual([]);
    queue.enqueue('c', 'c', 10);
    expect(queue.take(100, 10)).toEqual(['c']);
  });
});

/**
 * Drives the queue and {@link ReferenceQueue} with the same seeded random history and requires the
 * same picks, sizes and transmission callbacks at every step. `burst` enqueues come in a row.
 */
function compareWithReference(options: {
  seed: number;
  steps: number;
  keys: number;
  sizes: readonly [number, number];
  burst: number;
}): void {
  let state = options.seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const [minSize, maxSize] = options.sizes;
  const queue = new BroadcastQueue<string>();
  const reference = new ReferenceQueue();
  const sentByQueue: string[] = [];
  const sentByReference: string[] = [];
  let limit = 8;
  for (let step = 0; step < options.steps; step++) {
    const roll = random();
    const key = `n${Math.floor(random() * options.keys)}`;
    if (roll < 0.5) {
      for (let i = 0; i < options.burst; i++) {
        const burstKey = i === 0 ? key : `n${Math.floor(random() * options.keys)}`;
        const size = minSize + Math.floor(random() * (maxSize - minSize + 1));
        const payload = `${burstKey}@${step}.${i}`;
        queue.enqueue(burstKey, payload, size, (t) => sentByQueue.push(`${payload}#${t}`));
        reference.enqueue(burstKey, payload, size, (t) => sentByReference.push(`${payload}#${t}`));
      }
    } else if (roll < 0.55) {
      queue.remove(key);
      reference.remove(key);
    } else {
      // The limit occasionally shrinks, as when members leave, and grows back.
      if (random() < 0.01) limit = 2 + Math.floor(random() * 8);
      const budget = Math.floor(random() * 400);
      expect(queue.take(budget, limit)).toEqual(reference.take(budget, limit));
    }
    expect(queue.size).toBe(reference.size);
    expect(queue.has(key)).toBe(reference.has(key));
  }
  expect(sentByQueue).toEqual(sentByReference);
}

/** The straightforward queue the optimized one must match: one array per transmit count. */
class ReferenceQueue {
  private readonly byKey = new Map<string, Entry>();
  private readonly buckets: Entry[][] = [];

  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  enqueue(key: string, payload: string, size: number, onTransmit: (t: number) => void): void {
    const existing = this.byKey.get(key);
    if (existing !== undefined) existing.removed = true;
    const entry: Entry = { key, payload, size, transmits: 0, removed: false, onTransmit };
    this.byKey.set(key, entry);
    this.bucket(0).push(entry);
  }

  remove(key: string): void {
    const existing = this.byKey.get(key);
    if (existing === undefined) return;
    existing.removed = true;
    this.byKey.delete(key);
  }

  take(budget: number, limit: number): string[] {
    if (this.byKey.size === 0) return [];
    let remaining = budget;
    const picked: Entry[] = [];
    for (let t = 0; t < this.buckets.length && remaining >= 8; t++) {
      const bucket = this.buckets[t]!;
      for (let i = bucket.length - 1; i >= 0; i--) {
        const entry = bucket[i]!;
        if (entry.removed || entry.transmits >= limit) {
          bucket.splice(i, 1);
          if (!entry.removed) this.retire(entry);
          continue;
        }
        if (entry.size > remaining) continue;
        picked.push(entry);
        remaining -= entry.size;
        bucket.splice(i, 1);
        if (remaining < 8) break;
      }
    }
    for (let i = picked.length - 1; i >= 0; i--) {
      const entry = picked[i]!;
      entry.transmits++;
      if (entry.transmits >= limit) this.retire(entry);
      else this.bucket(entry.transmits).push(entry);
    }
    for (const entry of picked) entry.onTransmit(entry.transmits);
    return picked.map((entry) => entry.payload);
  }

  private retire(entry: Entry): void {
    entry.removed = true;
    if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
  }

  private bucket(transmits: number): Entry[] {
    while (this.buckets.length <= transmits) this.buckets.push([]);
    return this.buckets[transmits]!;
  }
}

interface Entry {
  readonly key: string;
  readonly payload: string;
  readonly size: number;
  transmits: number;
  removed: boolean;
  readonly onTransmit: (t: number) => void;
}

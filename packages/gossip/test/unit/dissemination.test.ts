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
    let state = 7;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
    const queue = new BroadcastQueue<string>();
    const reference = new ReferenceQueue();
    const sentByQueue: string[] = [];
    const sentByReference: string[] = [];
    let limit = 8;
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      const key = `n${Math.floor(random() * 300)}`;
      if (roll < 0.5) {
        const size = 20 + Math.floor(random() * 12);
        const payload = `${key}@${step}`;
        queue.enqueue(key, payload, size, (t) => sentByQueue.push(`${payload}#${t}`));
        reference.enqueue(key, payload, size, (t) => sentByReference.push(`${payload}#${t}`));
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
  });
});

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

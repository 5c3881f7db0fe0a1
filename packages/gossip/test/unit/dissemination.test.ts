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
});

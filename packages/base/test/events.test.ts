import { describe, expect, it } from 'vitest';
import { EventListeners } from '../src/index.js';

type Event = { type: 'up'; id: string } | { type: 'down'; id: string };

describe('EventListeners', () => {
  it('delivers by type and to every-event listeners until unsubscribed', () => {
    const events = new EventListeners<Event>();
    const seen: string[] = [];
    const offUp = events.on('up', (event) => seen.push(`up:${event.id}`));
    const offAll = events.onEvent((event) => seen.push(`all:${event.type}`));
    events.emit({ type: 'up', id: 'a' });
    events.emit({ type: 'down', id: 'a' });
    offUp();
    offUp();
    events.emit({ type: 'up', id: 'b' });
    offAll();
    events.emit({ type: 'up', id: 'c' });
    expect(seen).toEqual(['up:a', 'all:up', 'all:down', 'all:up']);
    expect(events.size).toBe(0);
  });

  it('keeps delivering when a listener throws and reports the error', () => {
    const errors: unknown[] = [];
    const events = new EventListeners<Event>((error) => errors.push(error));
    const seen: string[] = [];
    events.onEvent(() => {
      throw new Error('boom');
    });
    events.onEvent((event) => seen.push(event.id));
    events.emit({ type: 'up', id: 'a' });
    expect(seen).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });
});

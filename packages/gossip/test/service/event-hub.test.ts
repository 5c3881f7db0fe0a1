import { describe, expect, it } from 'vitest';
import { ClusterEventHub } from '../../src/event-hub.js';
import type { ClusterEvent } from '../../src/events.js';
import { type ClusterNode, NodeState } from '../../src/node.js';

const node = (id: string): ClusterNode => ({
  id,
  gossipAddress: `10.0.0.1:${id.length}`,
  tags: {},
  state: NodeState.Alive,
  incarnation: 0,
});
const joined = (id: string): ClusterEvent => ({ type: 'NodeJoined', node: node(id) });
const failed = (id: string): ClusterEvent => ({ type: 'NodeFailed', node: node(id) });

describe('ClusterEventHub', () => {
  it('delivers by type and to catch-all listeners; off and onEvent unsubscribe', () => {
    const hub = new ClusterEventHub();
    const seen: string[] = [];
    const onFailed = (event: { node: ClusterNode }): void => {
      seen.push(`failed ${event.node.id}`);
    };
    hub.on('NodeFailed', onFailed);
    const stop = hub.onEvent((event) => seen.push(`any ${event.type}`));
    hub.emit(joined('a'));
    hub.emit(failed('b'));
    hub.off('NodeFailed', onFailed);
    stop();
    hub.emit(failed('c'));
    expect(seen).toEqual(['any NodeJoined', 'failed b', 'any NodeFailed']);
  });

  it('on and once return the function that unsubscribes them', () => {
    const hub = new ClusterEventHub();
    const seen: string[] = [];
    const offJoined = hub.on('NodeJoined', (event) => seen.push(`joined ${event.node.id}`));
    const offOnce = hub.once('NodeFailed', (event) => seen.push(`failed ${event.node.id}`));
    offOnce();
    hub.emit(joined('a'));
    hub.emit(failed('a'));
    offJoined();
    offJoined();
    hub.emit(joined('b'));
    expect(seen).toEqual(['joined a']);
  });

  it('once fires a single time and can be removed before it fires', () => {
    const hub = new ClusterEventHub();
    const seen: string[] = [];
    hub.once('NodeJoined', (event) => seen.push(event.node.id));
    const never = (): void => {
      seen.push('never');
    };
    hub.once('NodeJoined', never);
    hub.off('NodeJoined', never);
    hub.emit(joined('a'));
    hub.emit(joined('b'));
    expect(seen).toEqual(['a']);
  });

  it('keeps delivering when a listener throws, and reports the error', () => {
    const errors: unknown[] = [];
    const hub = new ClusterEventHub((error) => errors.push(error));
    const seen: string[] = [];
    hub.on('NodeJoined', () => {
      throw new Error('listener bug');
    });
    hub.on('NodeJoined', (event) => seen.push(event.node.id));
    hub.emit(joined('a'));
    expect(seen).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });

  it('subscribe buffers events, drains them after the hub ends, then finishes', async () => {
    const hub = new ClusterEventHub();
    const events = hub.subscribe();
    hub.emit(joined('a'));
    hub.emit(failed('a'));
    const pending = events.next();
    expect((await pending).value).toMatchObject({ type: 'NodeJoined' });
    const waiting = (async () => {
      const types: string[] = [];
      for await (const event of events) types.push(event.type);
      return types;
    })();
    hub.emit(joined('b'));
    hub.endSubscriptions();
    expect(await waiting).toEqual(['NodeFailed', 'NodeJoined']);
  });

  it('return() unsubscribes and resolves pending reads as done', async () => {
    const hub = new ClusterEventHub();
    const events = hub.subscribe();
    const pending = events.next();
    await events.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    hub.emit(joined('a'));
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('bounds the buffer of a slow subscriber, dropping the oldest', async () => {
    const hub = new ClusterEventHub();
    const events = hub.subscribe({ maxBuffered: 2 });
    for (const id of ['a', 'b', 'c']) hub.emit(joined(id));
    hub.endSubscriptions();
    const ids: string[] = [];
    for await (const event of events) if (event.type === 'NodeJoined') ids.push(event.node.id);
    expect(ids).toEqual(['b', 'c']);
    expect(hub.droppedEvents()).toBe(1);
    expect(() => hub.subscribe({ maxBuffered: 0 })).toThrow(/maxBuffered/);
  });
});

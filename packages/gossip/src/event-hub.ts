import type { Unsubscribe } from '@rpcnet/base';
import { ClusterConfigError } from './errors.js';
import type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';

/** A listener of every event, or of one event type. */
type AnyListener = (event: ClusterEvent) => void;

/** Options of {@link ClusterEventHub.subscribe}. */
export interface SubscribeOptions {
  /**
   * Events kept for a consumer that reads slower than they arrive; beyond it the oldest are
   * discarded (and counted in `droppedEvents`). Default 10,000.
   */
  readonly maxBuffered?: number;
}

/**
 * Fans cluster events out to listeners (all events, or by type) and to async-iterator
 * subscriptions. A throwing listener never stops delivery to the others; `onListenerError` hears it.
 */
export class ClusterEventHub {
  readonly #listeners = new Map<ClusterEventType | 'event', Set<AnyListener>>();
  /** Maps a `once` listener to its self-removing wrapper, so `off` accepts the original. */
  readonly #onceWrappers = new Map<AnyListener, AnyListener>();
  readonly #subscriptions = new Set<{ push(event: ClusterEvent): void; end(): void }>();
  readonly #onListenerError: (error: unknown) => void;
  #droppedEvents = 0;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Delivers `event` to every matching listener and subscription. */
  emit(event: ClusterEvent): void {
    for (const key of [event.type, 'event'] as const) {
      const listeners = this.#listeners.get(key);
      if (!listeners) continue;
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          this.#onListenerError(error);
        }
      }
    }
    for (const subscription of this.#subscriptions) subscription.push(event);
  }

  /**
   * Calls `listener` for events of `type` (or for all, with `'event'`); returns the function
   * that unsubscribes it (as `off` does).
   */
  on<T extends ClusterEventType>(
    type: T,
    listener: (event: ClusterEventOf<T>) => void,
  ): Unsubscribe;
  on(type: 'event', listener: (event: ClusterEvent) => void): Unsubscribe;
  on(type: ClusterEventType | 'event', listener: AnyListener): Unsubscribe {
    let listeners = this.#listeners.get(type);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(type, listeners);
    }
    listeners.add(listener);
    return () => this.off(type as 'event', listener);
  }

  /** Like `on`, for the next matching event only. */
  once<T extends ClusterEventType>(
    type: T,
    listener: (event: ClusterEventOf<T>) => void,
  ): Unsubscribe;
  once(type: 'event', listener: (event: ClusterEvent) => void): Unsubscribe;
  once(type: ClusterEventType | 'event', listener: AnyListener): Unsubscribe {
    const wrapper: AnyListener = (event) => {
      this.off(type as 'event', listener);
      listener(event);
    };
    this.#onceWrappers.set(listener, wrapper);
    this.on(type as 'event', wrapper);
    return () => this.off(type as 'event', listener);
  }

  /** Removes a listener added with `on` or `once` for the same type. */
  off<T extends ClusterEventType>(type: T, listener: (event: ClusterEventOf<T>) => void): void;
  off(type: 'event', listener: (event: ClusterEvent) => void): void;
  off(type: ClusterEventType | 'event', listener: AnyListener): void {
    const listeners = this.#listeners.get(type);
    if (!listeners) return;
    const wrapper = this.#onceWrappers.get(listener);
    if (wrapper && listeners.delete(wrapper)) this.#onceWrappers.delete(listener);
    listeners.delete(listener);
  }

  /** Calls `listener` for every event; returns the function that unsubscribes it. */
  onEvent(listener: (event: ClusterEvent) => void): Unsubscribe {
    return this.on('event', listener);
  }

  /**
   * Events from now on as an async iterator, buffered while the consumer is busy. It ends when
   * the hub is closed; `return()` (or `break` in `for await`) unsubscribes.
   */
  subscribe(options: SubscribeOptions = {}): AsyncIterableIterator<ClusterEvent> {
    const maxBuffered = options.maxBuffered ?? 10_000;
    if (!Number.isInteger(maxBuffered) || maxBuffered < 1) {
      throw new ClusterConfigError('maxBuffered', 'must be a positive integer');
    }
    const buffered: ClusterEvent[] = [];
    const waiting: Array<(result: IteratorResult<ClusterEvent, undefined>) => void> = [];
    let ended = false;
    const done = (): IteratorResult<ClusterEvent, undefined> => ({ done: true, value: undefined });
    const subscription = {
      push: (event: ClusterEvent): void => {
        const next = waiting.shift();
        if (next) {
          next({ done: false, value: event });
          return;
        }
        buffered.push(event);
        if (buffered.length > maxBuffered) {
          buffered.shift();
          this.#droppedEvents += 1;
        }
      },
      end: (): void => {
        ended = true;
        this.#subscriptions.delete(subscription);
        for (const next of waiting.splice(0)) next(done());
      },
    };
    this.#subscriptions.add(subscription);
    const iterator: AsyncIterableIterator<ClusterEvent> = {
      next: () => {
        const event = buffered.shift();
        if (event) return Promise.resolve({ done: false, value: event });
        if (ended) return Promise.resolve(done());
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: () => {
        buffered.length = 0;
        subscription.end();
        return Promise.resolve(done());
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends every subscription (after they drain what is buffered). Listeners stay registered. */
  endSubscriptions(): void {
    for (const subscription of [...this.#subscriptions]) subscription.end();
  }

  /** Events discarded because a subscriber's buffer was full. */
  droppedEvents(): number {
    return this.#droppedEvents;
  }
}

/** Stops a subscription; calling it again is harmless. */
export type Unsubscribe = () => void;

/** An event: a plain object tagged by `type`. */
export interface TypedEvent {
  readonly type: string;
}

/** The event of `Events` whose `type` is `T`. */
export type EventOf<Events extends TypedEvent, T extends Events['type']> = Extract<
  Events,
  { readonly type: T }
>;

/**
 * The event contract of every rpcnet component: `on` subscribes to one event type and returns
 * the function that unsubscribes, so a subscription is undone without keeping the listener around.
 */
export interface EventSource<Events extends TypedEvent> {
  on<T extends Events['type']>(type: T, listener: (event: EventOf<Events, T>) => void): Unsubscribe;
}

/**
 * A small typed emitter implementing {@link EventSource}, plus `onEvent` for every event. A
 * throwing listener never stops delivery to the others; `onListenerError` hears it.
 */
export class EventListeners<Events extends TypedEvent> implements EventSource<Events> {
  readonly #listeners = new Set<(event: Events) => void>();
  readonly #onListenerError: (error: unknown, event: Events) => void;

  constructor(onListenerError: (error: unknown, event: Events) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Number of active subscriptions. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: Events) => void): Unsubscribe {
    // A wrapper per subscription, so the same function subscribed twice unsubscribes separately.
    const entry = (event: Events): void => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Calls `listener` for events of `type` until the returned function is called. */
  on<T extends Events['type']>(
    type: T,
    listener: (event: EventOf<Events, T>) => void,
  ): Unsubscribe {
    return this.onEvent((event) => {
      if (event.type === type) listener(event as EventOf<Events, T>);
    });
  }

  /** Delivers `event` to every current listener. */
  emit(event: Events): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  /** Drops every subscription. */
  clear(): void {
    this.#listeners.clear();
  }
}

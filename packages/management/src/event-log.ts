import { EventListeners, type Unsubscribe } from '@rpcnet/base';
import type { ManagementEvent, PartitionStatus } from './management-api.js';

/** Distributes `Omit` over the union, so each event keeps its own fields. */
export type UnsequencedEvent = ManagementEvent extends infer E
  ? E extends ManagementEvent
    ? Omit<E, 'seq' | 'at'>
    : never
  : never;

/**
 * The endpoint's recent events: numbers them, keeps the last `capacity` for late readers (and SSE
 * reconnects by `Last-Event-ID`), notifies live streams, and follows the partition state.
 */
export class EventLog {
  readonly #capacity: number;
  readonly #events: ManagementEvent[] = [];
  readonly #listeners = new EventListeners<ManagementEvent>();
  #nextSeq = 1;
  #partition: PartitionStatus | null = null;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Numbers and stores `event` seen at `at` (epoch ms), then tells the subscribers. */
  record(event: UnsequencedEvent, at: number): ManagementEvent {
    const stored = { ...event, seq: this.#nextSeq++, at } as ManagementEvent;
    this.#events.push(stored);
    if (this.#events.length > this.#capacity) this.#events.shift();
    if (stored.type === 'PartitionDetected') {
      this.#partition = {
        detectedAt: at,
        reachable: stored.reachable,
        unreachable: stored.unreachable,
      };
    } else if (stored.type === 'PartitionHealed') {
      this.#partition = null;
    }
    this.#listeners.emit(stored);
    return stored;
  }

  /** Stored events with a sequence number above `afterSeq`, oldest first. */
  since(afterSeq = 0): ManagementEvent[] {
    return this.#events.filter((event) => event.seq > afterSeq);
  }

  /** The partition detected and not yet healed, if any. */
  get partition(): PartitionStatus | null {
    return this.#partition;
  }

  /** Calls `listener` for every new event; returns the function that unsubscribes it. */
  subscribe(listener: (event: ManagementEvent) => void): Unsubscribe {
    return this.#listeners.onEvent(listener);
  }
}

import type { ClusterEvent, NodeId } from '@rpcnet/gossip';

/** Tracks, per subject node, which observers emitted a given event type about it. */
export class EventTally {
  readonly #seen = new Map<string, Set<NodeId>>();
  readonly #counts = new Map<string, number>();

  record(observer: NodeId, event: ClusterEvent): void {
    if (!('node' in event)) return;
    const key = `${event.type}/${event.node.id}`;
    let observers = this.#seen.get(key);
    if (!observers) {
      observers = new Set();
      this.#seen.set(key, observers);
    }
    observers.add(observer);
    this.#counts.set(event.type, (this.#counts.get(event.type) ?? 0) + 1);
  }

  observers(type: ClusterEvent['type'], subject: NodeId): number {
    return this.#seen.get(`${type}/${subject}`)?.size ?? 0;
  }

  count(type: ClusterEvent['type']): number {
    return this.#counts.get(type) ?? 0;
  }
}

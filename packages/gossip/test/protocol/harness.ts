import { expect } from 'vitest';
import type { ClusterEvent, ClusterEventType } from '../../src/events.js';
import type { NodeId } from '../../src/node.js';
import {
  SimulatedCluster,
  type SimulatedClusterOptions,
  type SimulatedNode,
} from '../../src/simulation/simulated-cluster.js';

/** A cluster of `size` nodes that joined through the first one and converged (asserted). */
export function formCluster(size: number, options: SimulatedClusterOptions = {}): SimulatedCluster {
  const cluster = new SimulatedCluster(options);
  cluster.addNode();
  cluster.addNodes(size - 1);
  expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 60_000, stepMs: 50 })).toBe(
    true,
  );
  return cluster;
}

/** Events of `type` a node emitted, optionally only those about `about`. */
export function eventsAt<T extends ClusterEventType>(
  node: SimulatedNode,
  type: T,
  about?: NodeId,
): Array<Extract<ClusterEvent, { type: T }>> {
  return node.events
    .map((entry) => entry.event)
    .filter((event): event is Extract<ClusterEvent, { type: T }> => event.type === type)
    .filter((event) => about === undefined || ('node' in event && event.node.id === about));
}

/** The state `observer` holds for `id` (dead and left included). */
export function stateOf(observer: SimulatedNode, id: NodeId): string | undefined {
  return observer.protocol.members({ includeDead: true }).find((node) => node.id === id)?.state;
}

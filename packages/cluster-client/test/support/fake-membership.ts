import {
  type ClusterEvent,
  type ClusterNode,
  type NodeState,
  NodeState as States,
} from '@rpcnet/gossip';
import type { MembershipSource } from '@rpcnet/registry';

/** A member snapshot for tests: a worker with `role=worker` unless tags are given. */
export function workerNode(
  id: string,
  state: NodeState = States.Alive,
  tags: Record<string, string> = { role: 'worker' },
): ClusterNode {
  return Object.freeze({
    id,
    gossipAddress: `127.0.0.1:${id.length + 7000}`,
    rpcAddress: `127.0.0.1:${9000 + id.charCodeAt(id.length - 1)}`,
    tags: Object.freeze({ ...tags }),
    state,
    incarnation: 0,
  });
}

/** Membership driven by hand: `join`, `suspect`, `fail` and `leave` emit the gossip events. */
export class FakeMembership implements MembershipSource {
  readonly #nodes = new Map<string, ClusterNode>();
  readonly #listeners = new Set<(event: ClusterEvent) => void>();
  readonly #local = workerNode('director', States.Alive, { role: 'director' });

  localNode(): ClusterNode {
    return this.#local;
  }

  members(): readonly ClusterNode[] {
    return [...this.#nodes.values()];
  }

  nodesByTag(filter: Record<string, string>): readonly ClusterNode[] {
    // Exact match on every required tag, as gossip's `nodesByTag` does.
    return this.members().filter((node) =>
      Object.entries(filter).every(([key, value]) => node.tags[key] === value),
    );
  }

  onEvent(listener: (event: ClusterEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  join(node: ClusterNode): void {
    this.#nodes.set(node.id, node);
    this.#emit({ type: 'NodeJoined', node });
  }

  /** Membership suspects `id` (it may still be alive). */
  suspect(id: string): void {
    const node = this.#nodes.get(id);
    if (node === undefined) return;
    const suspected = { ...node, state: States.Suspect };
    this.#nodes.set(id, suspected);
    this.#emit({ type: 'NodeSuspected', node: suspected });
  }

  fail(id: string): void {
    const node = this.#nodes.get(id);
    if (node === undefined) return;
    this.#nodes.delete(id);
    this.#emit({ type: 'NodeFailed', node: { ...node, state: States.Dead } });
  }

  leave(id: string): void {
    const node = this.#nodes.get(id);
    if (node === undefined) return;
    this.#nodes.delete(id);
    this.#emit({ type: 'NodeLeft', node: { ...node, state: States.Left } });
  }

  #emit(event: ClusterEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }
}

import type { ClusterEvent, ClusterNode, NodeId, NodeState, NodeTags } from '@rpcnet/gossip';
import { NodeState as States } from '@rpcnet/gossip';
import { tagsMatch } from '../../src/filter.js';
import type { MembershipSource, TagPublisher } from '../../src/index.js';

/** Fields of a test node; everything but the id has a default. */
export interface NodeSpec {
  readonly tags?: NodeTags;
  readonly rpcAddress?: string | undefined;
  readonly state?: NodeState;
}

/** Builds a member snapshot for tests. */
export function makeNode(id: NodeId, spec: NodeSpec = {}): ClusterNode {
  return Object.freeze({
    id,
    gossipAddress: `10.0.0.1:${7000 + id.length}`,
    rpcAddress: 'rpcAddress' in spec ? spec.rpcAddress : `127.0.0.1:${id}`,
    tags: Object.freeze({ ...(spec.tags ?? {}) }),
    state: spec.state ?? States.Alive,
    incarnation: 0,
  });
}

/** In-memory membership that tests drive by hand; also publishes the local node's tags. */
export class FakeMembership implements MembershipSource, TagPublisher {
  private readonly nodes = new Map<NodeId, ClusterNode>();
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  /** How often the tag index was queried, to prove selection does not scan per call. */
  nodesByTagCalls = 0;
  private readonly localId: NodeId;

  constructor(local: ClusterNode = makeNode('director', { rpcAddress: undefined })) {
    this.localId = local.id;
    this.nodes.set(local.id, local);
  }

  localNode(): ClusterNode {
    const local = this.nodes.get(this.localId);
    if (local === undefined) {
      throw new Error('local node missing');
    }
    return local;
  }

  members(): readonly ClusterNode[] {
    return [...this.nodes.values()].filter(
      (node) => node.state === States.Alive || node.state === States.Suspect,
    );
  }

  nodesByTag(filter: NodeTags): readonly ClusterNode[] {
    this.nodesByTagCalls += 1;
    return this.members().filter((node) => tagsMatch(node.tags, filter));
  }

  onEvent(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds (or re-adds) a member and reports NodeJoined. */
  join(id: NodeId, spec: NodeSpec = {}): ClusterNode {
    const node = makeNode(id, spec);
    this.nodes.set(id, node);
    this.emit({ type: 'NodeJoined', node });
    return node;
  }

  /** Adds a member without reporting it (as if known before the registry subscribed). */
  preload(id: NodeId, spec: NodeSpec = {}): ClusterNode {
    const node = makeNode(id, spec);
    this.nodes.set(id, node);
    return node;
  }

  suspect(id: NodeId): void {
    this.emit({ type: 'NodeSuspected', node: this.change(id, { state: States.Suspect }) });
  }

  recover(id: NodeId): void {
    this.emit({ type: 'NodeRecovered', node: this.change(id, { state: States.Alive }) });
  }

  fail(id: NodeId): void {
    this.emit({ type: 'NodeFailed', node: this.change(id, { state: States.Dead }) });
  }

  leave(id: NodeId): void {
    this.emit({ type: 'NodeLeft', node: this.change(id, { state: States.Left }) });
  }

  /** Replaces some tags of a member and reports NodeUpdated. */
  updateTags(id: NodeId, tags: NodeTags): void {
    const previous = this.get(id);
    const node = this.change(id, { tags: { ...previous.tags, ...tags } });
    this.emit({ type: 'NodeUpdated', node, previous });
  }

  setTag(key: string, value: string): void {
    this.updateTags(this.localId, { [key]: value });
  }

  /** Drops a member silently, then reports a partition (the registry must resync). */
  partitionAway(id: NodeId): void {
    this.nodes.delete(id);
    this.emit({ type: 'PartitionDetected', reachable: [this.localId], unreachable: [id] });
  }

  get(id: NodeId): ClusterNode {
    const node = this.nodes.get(id);
    if (node === undefined) {
      throw new Error(`unknown node ${id}`);
    }
    return node;
  }

  private change(id: NodeId, patch: Partial<Pick<ClusterNode, 'state' | 'tags'>>): ClusterNode {
    const previous = this.get(id);
    const node = Object.freeze({ ...previous, ...patch, incarnation: previous.incarnation + 1 });
    this.nodes.set(id, node);
    return node;
  }

  private emit(event: ClusterEvent): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
}

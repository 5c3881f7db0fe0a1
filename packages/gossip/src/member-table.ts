import type { ClusterEvent } from './events.js';
import type { AliveMessage } from './messages.js';
import { type ClusterNode, type NodeId, NodeState, type NodeTags } from './node.js';

/** Result of applying one update to the {@link MemberTable}. */
export interface MemberTableChange {
  /** False when precedence rules rejected the update (stale or redundant). */
  readonly changed: boolean;
  readonly previous?: ClusterNode | undefined;
  readonly current?: ClusterNode | undefined;
  /** The events this change means for listeners, in order. */
  readonly events: readonly ClusterEvent[];
}

const UNCHANGED: MemberTableChange = Object.freeze({ changed: false, events: [] });

/** States that count as "in the cluster" for queries and probing. */
export function isLive(state: NodeState): boolean {
  return state === NodeState.Alive || state === NodeState.Suspect;
}

function sameTags(a: NodeTags, b: NodeTags): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => b[key] === a[key]);
}

function sameMetadata(a: ClusterNode, b: ClusterNode): boolean {
  return (
    a.gossipAddress === b.gossipAddress && a.rpcAddress === b.rpcAddress && sameTags(a.tags, b.tags)
  );
}

function freeze(node: ClusterNode): ClusterNode {
  return Object.freeze({ ...node, tags: Object.freeze({ ...node.tags }) });
}

/**
 * The membership table: one record per known node (the local one included), a tag index, and the
 * SWIM precedence rules. Higher incarnation wins; at equal incarnation left > dead > suspect > alive.
 * Suspect and dead never revive a dead or left record: only the node's own `alive` does.
 */
export class MemberTable {
  private readonly records = new Map<NodeId, ClusterNode>();
  private readonly changedAt = new Map<NodeId, number>();
  private readonly counts: Record<NodeState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  /** Ids in a dense array (swap-removed) so random sampling needs no scan. */
  private readonly idList: NodeId[] = [];
  private readonly idPosition = new Map<NodeId, number>();
  /** Dead and left records, so periodic work on them never scans the whole table. */
  private readonly nonLive = new Set<NodeId>();
  /** gossip address -> live records at that address. */
  private readonly liveAddresses = new Map<string, number>();
  /** gossip address -> ids of every record (any state) at that address. */
  private readonly idsByAddress = new Map<string, Set<NodeId>>();
  /** tag key -> tag value -> ids, covering every record so queries never scan the table. */
  private readonly tagIndex = new Map<string, Map<string, Set<NodeId>>>();
  /** The local node's id. */
  readonly localId: NodeId;

  constructor(local: ClusterNode, now: number) {
    this.localId = local.id;
    this.store(local, now);
  }

  /** The record of `id`, if known. */
  get(id: NodeId): ClusterNode | undefined {
    return this.records.get(id);
  }

  /** The local node's record. */
  local(): ClusterNode {
    return this.records.get(this.localId)!;
  }

  /** When `id` last changed state (clock ms), if known. */
  stateChangedAt(id: NodeId): number | undefined {
    return this.changedAt.get(id);
  }

  /** Number of records, dead and left included. */
  get size(): number {
    return this.records.size;
  }

  /** Every record, in insertion order. */
  all(): IterableIterator<ClusterNode> {
    return this.records.values();
  }

  /** Live (alive or suspect) nodes, the local one included if it is live. */
  liveCount(): number {
    return this.counts.alive + this.counts.suspect;
  }

  /** A uniformly random record, for sampling; `random` returns [0, 1). */
  randomNode(random: () => number): ClusterNode | undefined {
    const id = this.idList[Math.floor(random() * this.idList.length)];
    return id === undefined ? undefined : this.records.get(id);
  }

  /** Ids of the dead and left records, in the order they stopped being live. */
  nonLiveIds(): IterableIterator<NodeId> {
    return this.nonLive.values();
  }

  /** True if a live record (the local one included) has `gossipAddress`. */
  hasLiveAddress(gossipAddress: string): boolean {
    return this.liveAddresses.has(gossipAddress);
  }

  /**
   * Other records (any state) at `gossipAddress` than `id`: where a new member took over the
   * address of one that is gone (a pod's IP reused), the old records.
   */
  othersAt(gossipAddress: string, id: NodeId): ClusterNode[] {
    const ids = this.idsByAddress.get(gossipAddress);
    if (ids === undefined || ids.size < 2) return [];
    const out: ClusterNode[] = [];
    for (const other of ids) if (other !== id) out.push(this.records.get(other)!);
    return out;
  }

  /** Members: live ones by default, every record with `includeDead`. */
  members(includeDead = false): ClusterNode[] {
    const out: ClusterNode[] = [];
    for (const node of this.records.values()) {
      if (includeDead || isLive(node.state)) out.push(node);
    }
    return out;
  }

  /** Count of records per state. */
  countByState(): Record<NodeState, number> {
    return { ...this.counts };
  }

  /**
   * Live nodes carrying every `key=value` of `filter` (AND), answered from the tag index by
   * intersecting the smallest posting set with the others. An empty filter matches every live node.
   */
  nodesByTag(filter: NodeTags): ClusterNode[] {
    const terms = Object.entries(filter);
    if (terms.length === 0) return this.members();
    const sets: Set<NodeId>[] = [];
    for (const [key, value] of terms) {
      const ids = this.tagIndex.get(key)?.get(value);
      if (ids === undefined) return [];
      sets.push(ids);
    }
    sets.sort((a, b) => a.size - b.size);
    const [smallest, ...rest] = sets;
    const out: ClusterNode[] = [];
    for (const id of smallest ?? []) {
      if (!rest.every((set) => set.has(id))) continue;
      const node = this.records.get(id);
      if (node !== undefined && isLive(node.state)) out.push(node);
    }
    return out;
  }

  /** Replaces the local node's record (the protocol owns its incarnation, tags and state). */
  setLocal(node: ClusterNode, now: number): MemberTableChange {
    const previous = this.local();
    const current = this.store(node, now);
    const events: ClusterEvent[] = sameMetadata(previous, current)
      ? []
      : [{ type: 'NodeUpdated', node: current, previous }];
    return { changed: true, previous, current, events };
  }

  /**
   * Applies `alive`: accepted for an unknown node, or with a higher incarnation than known.
   * Unknown/dead/left -> alive is NodeJoined; suspect -> alive is NodeRecovered; changed
   * addresses or tags add NodeUpdated.
   */
  applyAlive(message: AliveMessage, now: number): MemberTableChange {
    const previous = this.records.get(message.id);
    if (previous !== undefined && message.incarnation <= previous.incarnation) return UNCHANGED;
    const current = this.store(
      {
        id: message.id,
        gossipAddress: message.gossipAddress,
        rpcAddress: message.rpcAddress,
        tags: message.tags,
        state: NodeState.Alive,
        incarnation: message.incarnation,
      },
      now,
    );
    const events: ClusterEvent[] = [];
    if (previous === undefined || !isLive(previous.state)) {
      events.push({ type: 'NodeJoined', node: current });
    } else {
      if (previous.state === NodeState.Suspect)
        events.push({ type: 'NodeRecovered', node: current });
      if (!sameMetadata(previous, current)) {
        events.push({ type: 'NodeUpdated', node: current, previous });
      }
    }
    return { changed: true, previous, current, events };
  }

  /**
   * Applies a suspicion of a known live node: accepted at an incarnation at least the known one,
   * unless the node is already suspect at that incarnation. Emits NodeSuspected on alive -> suspect.
   */
  applySuspect(id: NodeId, incarnation: number, now: number): MemberTableChange {
    const previous = this.records.get(id);
    if (previous === undefined || !isLive(previous.state)) return UNCHANGED;
    if (incarnation < previous.incarnation) return UNCHANGED;
    if (previous.state === NodeState.Suspect && incarnation === previous.incarnation) {
      return UNCHANGED;
    }
    const current = this.store({ ...previous, state: NodeState.Suspect, incarnation }, now);
    const events: ClusterEvent[] =
      previous.state === NodeState.Alive ? [{ type: 'NodeSuspected', node: current }] : [];
    return { changed: true, previous, current, events };
  }

  /** Applies a death of a known live node at an incarnation at least the known one: NodeFailed. */
  applyDead(id: NodeId, incarnation: number, now: number): MemberTableChange {
    const previous = this.records.get(id);
    if (previous === undefined || !isLive(previous.state)) return UNCHANGED;
    if (incarnation < previous.incarnation) return UNCHANGED;
    const current = this.store({ ...previous, state: NodeState.Dead, incarnation }, now);
    return { changed: true, previous, current, events: [{ type: 'NodeFailed', node: current }] };
  }

  /** Applies a graceful leave at an incarnation at least the known one: NodeLeft (if it was live). */
  applyLeft(id: NodeId, incarnation: number, now: number): MemberTableChange {
    const previous = this.records.get(id);
    if (previous === undefined || previous.state === NodeState.Left) return UNCHANGED;
    if (incarnation < previous.incarnation) return UNCHANGED;
    const current = this.store({ ...previous, state: NodeState.Left, incarnation }, now);
    const events: ClusterEvent[] = isLive(previous.state)
      ? [{ type: 'NodeLeft', node: current }]
      : [];
    return { changed: true, previous, current, events };
  }

  /** Forgets `id` entirely (reclaiming dead or left records). The local node cannot be removed. */
  remove(id: NodeId): boolean {
    if (id === this.localId) return false;
    const previous = this.records.get(id);
    if (previous === undefined) return false;
    this.unindex(previous);
    this.untrack(previous);
    this.unindexAddress(previous);
    this.counts[previous.state]--;
    this.records.delete(id);
    this.changedAt.delete(id);
    const position = this.idPosition.get(id)!;
    const last = this.idList.pop()!;
    if (last !== id) {
      this.idList[position] = last;
      this.idPosition.set(last, position);
    }
    this.idPosition.delete(id);
    return true;
  }

  private store(node: ClusterNode, now: number): ClusterNode {
    const frozen = freeze(node);
    const previous = this.records.get(node.id);
    // Liveness and address rarely change together with an update; skip the bookkeeping then.
    const retrack =
      previous === undefined ||
      isLive(previous.state) !== isLive(frozen.state) ||
      previous.gossipAddress !== frozen.gossipAddress;
    if (previous?.gossipAddress !== frozen.gossipAddress) {
      if (previous !== undefined) this.unindexAddress(previous);
      let ids = this.idsByAddress.get(frozen.gossipAddress);
      if (ids === undefined) {
        ids = new Set();
        this.idsByAddress.set(frozen.gossipAddress, ids);
      }
      ids.add(frozen.id);
    }
    if (previous !== undefined) {
      this.unindex(previous);
      if (retrack) this.untrack(previous);
      this.counts[previous.state]--;
    } else {
      this.idPosition.set(node.id, this.idList.length);
      this.idList.push(node.id);
    }
    this.counts[frozen.state]++;
    if (previous === undefined || previous.state !== frozen.state) this.changedAt.set(node.id, now);
    this.records.set(node.id, frozen);
    if (retrack) this.track(frozen);
    for (const [key, value] of Object.entries(frozen.tags)) {
      let byValue = this.tagIndex.get(key);
      if (byValue === undefined) {
        byValue = new Map();
        this.tagIndex.set(key, byValue);
      }
      let ids = byValue.get(value);
      if (ids === undefined) {
        ids = new Set();
        byValue.set(value, ids);
      }
      ids.add(node.id);
    }
    return frozen;
  }

  private track(node: ClusterNode): void {
    if (isLive(node.state)) {
      const count = this.liveAddresses.get(node.gossipAddress) ?? 0;
      this.liveAddresses.set(node.gossipAddress, count + 1);
    } else {
      this.nonLive.add(node.id);
    }
  }

  private untrack(node: ClusterNode): void {
    if (!isLive(node.state)) {
      this.nonLive.delete(node.id);
      return;
    }
    const count = (this.liveAddresses.get(node.gossipAddress) ?? 0) - 1;
    if (count > 0) this.liveAddresses.set(node.gossipAddress, count);
    else this.liveAddresses.delete(node.gossipAddress);
  }

  private unindexAddress(node: ClusterNode): void {
    const ids = this.idsByAddress.get(node.gossipAddress);
    ids?.delete(node.id);
    if (ids?.size === 0) this.idsByAddress.delete(node.gossipAddress);
  }

  private unindex(node: ClusterNode): void {
    for (const [key, value] of Object.entries(node.tags)) {
      const byValue = this.tagIndex.get(key);
      const ids = byValue?.get(value);
      if (byValue === undefined || ids === undefined) continue;
      ids.delete(node.id);
      if (ids.size === 0) byValue.delete(value);
      if (byValue.size === 0) this.tagIndex.delete(key);
    }
  }
}

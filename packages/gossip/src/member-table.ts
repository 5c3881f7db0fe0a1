import { BucketChains } from './bucket-chains.js';
import type { KeyIndex } from './dense-key-index.js';
import type { ClusterEvent } from './events.js';
import { type FingerprintLookup, FingerprintSet } from './fingerprint-set.js';
import { grownArray } from './grown-array.js';
import {
  adjustChecksum,
  bucketIndex,
  foldDigest,
  idHash,
  KEPT_DIGEST_BUCKETS,
  recordFingerprint,
} from './member-digest.js';
import {
  freezeRecord,
  type MemberRecordPool,
  pooledFingerprint,
  pooledIdHash,
  sameMetadata,
} from './member-record-pool.js';
import type { AliveUpdate, MemberRecord } from './messages.js';
import { type ClusterNode, type NodeId, NodeState, type NodeTags } from './node.js';
import { ArrayRecordColumn, type RecordColumn, type RecordList } from './record-column.js';

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

const NO_FINGERPRINTS: FingerprintLookup = new FingerprintSet();

const NO_RECORDS: readonly ClusterNode[] = Object.freeze([]);

/** Slots a member table's typed arrays have room for at first; they grow by half. */
const INITIAL_CAPACITY = 16;

/**
 * `bucketCount - 1` when it is a power of two (then `hash & mask` is `hash % bucketCount`, without
 * a division: a fingerprint exchange scans the whole table per chunk), else -1.
 */
function powerOfTwoMask(bucketCount: number): number {
  return (bucketCount & (bucketCount - 1)) === 0 ? bucketCount - 1 : -1;
}

/**
 * The buckets a scan selects, 1 at each: one array for every scan, cleared after each, instead of
 * one allocated per scan (a formation of thousands of simulated members runs millions of them).
 */
let selectedBuckets = new Uint8Array(256);

/** Marks `buckets` in {@link selectedBuckets} (grown to hold `bucketCount`) and returns it. */
function selectBuckets(buckets: readonly number[], bucketCount: number): Uint8Array {
  if (selectedBuckets.length < bucketCount) selectedBuckets = new Uint8Array(bucketCount);
  // Indexes past `bucketCount` (a peer's nonsense) match no record, as before.
  for (const bucket of buckets) if (bucket < bucketCount) selectedBuckets[bucket] = 1;
  return selectedBuckets;
}

/** Clears what {@link selectBuckets} marked. */
function clearBuckets(buckets: readonly number[]): void {
  for (const bucket of buckets) if (bucket < selectedBuckets.length) selectedBuckets[bucket] = 0;
}

/** States that count as "in the cluster" for queries and probing. */
export function isLive(state: NodeState): boolean {
  return state === NodeState.Alive || state === NodeState.Suspect;
}

/**
 * The membership table: one record per known node (the local one included), a tag index, and the
 * SWIM precedence rules. Higher incarnation wins; at equal incarnation left > dead > suspect > alive.
 * Suspect and dead never revive a dead or left record: only the node's own `alive` does.
 */
export class MemberTable {
  // One slot per record in dense arrays, swap-removed: a record costs one array cell, three
  // typed-array cells and an entry in two indexes per table (array cells too with a pool), which
  // matters where one process simulates thousands of tables. The numbers sit in typed arrays,
  // outside the JS heap: a grown one is not copied through the garbage collector's young
  // generation (scavenges took a fifth of the CPU of a 3,000-member simulation, most of it
  // copying what survived).
  private readonly slots: KeyIndex<number>;
  private readonly nodes: RecordColumn;
  /** When each slot's record last changed state (clock ms); cells past `nodes.length` unused. */
  private changedAt = new Float64Array(INITIAL_CAPACITY);
  /** Each slot's {@link idHash}, so digests never hash an id twice. */
  private hashes = new Uint32Array(INITIAL_CAPACITY);
  /** Each slot's {@link recordFingerprint}, so fingerprint exchanges never visit the records. */
  private fingerprints = new Uint32Array(INITIAL_CAPACITY);
  /** Each slot in the chain of its bucket among {@link KEPT_DIGEST_BUCKETS}. */
  private readonly chains = new BucketChains(KEPT_DIGEST_BUCKETS, INITIAL_CAPACITY);
  /**
   * The digest in {@link KEPT_DIGEST_BUCKETS} buckets, kept up to date as records change: a
   * digest of any power-of-two bucket count up to it (what nodes send) is a fold of it, not a
   * pass over every record.
   */
  private readonly keptDigest = new Uint32Array(KEPT_DIGEST_BUCKETS);
  private readonly counts: Record<NodeState, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
  /** Dead and left records, so periodic work on them never scans the whole table. */
  private readonly nonLive = new Set<NodeId>();
  /** gossip address -> the id (or, rarely, the ids) of every record (any state) at that address. */
  private readonly idsByAddress: KeyIndex<NodeId | Set<NodeId>>;
  /** tag key -> tag value -> ids, covering every record so queries never scan the table. */
  private readonly tagIndex = new Map<string, Map<string, Set<NodeId>>>();
  /** Stores each record: shared through a pool where many tables live in one process. */
  private readonly freeze: (node: ClusterNode) => ClusterNode;
  /**
   * Members the pool has records of (0 without one): a table of a simulation grows to that size
   * at once rather than in steps of half its size, each allocating, zeroing and copying its typed
   * arrays (a tenth of the CPU of a 10,000-member formation's first milliseconds, and the external
   * memory that made the garbage collector run more often).
   */
  private readonly pooledMembers: () => number;
  /** See {@link storedFor}; nothing without a pool. */
  private readonly primeLookups: (record: MemberRecord) => void;
  /** The local node's id. */
  readonly localId: NodeId;
  /** The local node's record, read on every update received: kept, not looked up. */
  private localRecord!: ClusterNode;

  /** `pool` shares equal records with other tables (a simulation); default: own copies. */
  constructor(local: ClusterNode, now: number, pool?: MemberRecordPool) {
    this.localId = local.id;
    this.freeze = pool === undefined ? freezeRecord : (node) => pool.intern(node);
    this.pooledMembers = pool === undefined ? () => 0 : () => pool.size;
    this.primeLookups = pool === undefined ? () => {} : (record) => pool.prime(record);
    this.slots = pool === undefined ? new Map() : pool.slotIndex();
    this.nodes = pool === undefined ? new ArrayRecordColumn() : pool.recordColumn();
    this.idsByAddress = pool === undefined ? new Map() : pool.addressIndex();
    this.store(local, now);
  }

  /**
   * The record we hold of `record`'s member, as {@link get}: a record of our pool tells the pool's
   * numberings its numbers first, so neither this lookup nor storing it hashes its id or address.
   */
  storedFor(record: MemberRecord): ClusterNode | undefined {
    this.primeLookups(record);
    return this.get(record.id);
  }

  /** The record of `id`, if known. */
  get(id: NodeId): ClusterNode | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.nodes.at(slot);
  }

  /** The local node's record. */
  local(): ClusterNode {
    return this.localRecord;
  }

  /** When `id` last changed state (clock ms), if known. */
  stateChangedAt(id: NodeId): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.changedAt[slot];
  }

  /** Number of records, dead and left included. */
  get size(): number {
    return this.nodes.length;
  }

  /** Every record (insertion order until a record is removed). */
  all(): IterableIterator<ClusterNode> {
    return this.nodes.values();
  }

  /**
   * Every record, as {@link all}, in the table's own array: read it before the table next changes.
   * A full-state push-pull reads the whole table at once; a copy of it for each join a seed
   * answers was n^2 / 2 pointers copied while n members joined.
   */
  records(): RecordList {
    return this.nodes;
  }

  /** Checksums of every record in `bucketCount` buckets: `memberDigest` of {@link all}. */
  digest(bucketCount: number): Uint32Array {
    if (KEPT_DIGEST_BUCKETS % bucketCount === 0) return foldDigest(this.keptDigest, bucketCount);
    // Another bucket count (a revision-2 peer's, or a digest larger than the kept one): a pass.
    const checksums = new Uint32Array(bucketCount);
    const { nodes, hashes, fingerprints } = this;
    for (let slot = 0; slot < nodes.length; slot++)
      adjustChecksum(checksums, hashes[slot]!, fingerprints[slot]!, 1);
    return checksums;
  }

  /** Records whose id falls in one of `buckets` of `bucketCount` (see `bucketOf`). */
  inBuckets(buckets: readonly number[], bucketCount: number): ClusterNode[] {
    return this.compareBuckets(buckets, bucketCount, NO_FINGERPRINTS).onlyOurs;
  }

  /**
   * The {@link recordFingerprint}s of the records in `buckets` of `bucketCount`, by bucket (every
   * one of `buckets` has an entry, empty when it holds no record).
   */
  fingerprintsByBucket(buckets: readonly number[], bucketCount: number): Map<number, number[]> {
    const byBucket = new Map<number, number[]>();
    // The list of each selected bucket, by bucket: no map lookup per record.
    const lists: Array<number[] | undefined> = [];
    for (const bucket of buckets) {
      const list: number[] = [];
      byBucket.set(bucket, list);
      if (bucket < bucketCount) lists[bucket] = list;
    }
    const { hashes, fingerprints } = this;
    const mask = powerOfTwoMask(bucketCount);
    for (let slot = 0; slot < this.nodes.length; slot++) {
      const hash = hashes[slot]!;
      lists[mask >= 0 ? hash & mask : hash % bucketCount]?.push(fingerprints[slot]!);
    }
    return byBucket;
  }

  /**
   * Our side of `buckets` of `bucketCount` against a peer's fingerprints of them: the records
   * whose fingerprints the peer lacks, and the fingerprints of all our records there.
   */
  compareBuckets(
    buckets: readonly number[],
    bucketCount: number,
    theirs: FingerprintLookup,
  ): { readonly onlyOurs: ClusterNode[]; readonly ours: FingerprintSet } {
    const onlyOurs: ClusterNode[] = [];
    const { fingerprints, nodes } = this;
    let ours: FingerprintSet;
    const compare = (slot: number): void => {
      const fingerprint = fingerprints[slot]!;
      ours.add(fingerprint);
      if (!theirs.has(fingerprint)) onlyOurs.push(nodes.at(slot));
    };
    if (KEPT_DIGEST_BUCKETS % bucketCount === 0) {
      // The kept digest's buckets congruent to each named one, in slot order as a scan would go.
      const slots: number[] = [];
      const selected = selectBuckets(buckets, bucketCount);
      for (let bucket = 0; bucket < bucketCount; bucket++) {
        if (selected[bucket] !== 1) continue;
        for (let fine = bucket; fine < KEPT_DIGEST_BUCKETS; fine += bucketCount)
          this.chains.collect(fine, slots);
      }
      clearBuckets(buckets);
      slots.sort((a, b) => a - b);
      // Sized up front: growing it rehashes every fingerprint added so far, again and again.
      ours = new FingerprintSet(slots.length);
      for (const slot of slots) compare(slot);
      return { onlyOurs, ours };
    }
    ours = new FingerprintSet();
    const selected = selectBuckets(buckets, bucketCount);
    const { hashes } = this;
    const mask = powerOfTwoMask(bucketCount);
    for (let slot = 0; slot < nodes.length; slot++) {
      const hash = hashes[slot]!;
      if (selected[mask >= 0 ? hash & mask : hash % bucketCount] === 1) compare(slot);
    }
    clearBuckets(buckets);
    return { onlyOurs, ours };
  }

  /** Records whose fingerprints are in `wanted`. */
  withFingerprints(wanted: FingerprintLookup): ClusterNode[] {
    const out: ClusterNode[] = [];
    const { fingerprints, nodes } = this;
    for (let slot = 0; slot < nodes.length; slot++) {
      if (wanted.has(fingerprints[slot]!)) out.push(nodes.at(slot));
    }
    return out;
  }

  /** Live (alive or suspect) nodes, the local one included if it is live. */
  liveCount(): number {
    return this.counts.alive + this.counts.suspect;
  }

  /** A uniformly random record, for sampling; `random` returns [0, 1). */
  randomNode(random: () => number): ClusterNode | undefined {
    const { nodes } = this;
    const slot = Math.floor(random() * nodes.length);
    return slot < nodes.length ? nodes.at(slot) : undefined;
  }

  /** Ids of the dead and left records, in the order they stopped being live. */
  nonLiveIds(): IterableIterator<NodeId> {
    return this.nonLive.values();
  }

  /** True if a live record (the local one included) has `gossipAddress`. */
  hasLiveAddress(gossipAddress: string): boolean {
    const ids = this.idsByAddress.get(gossipAddress);
    if (ids === undefined) return false;
    if (typeof ids === 'string') return isLive(this.get(ids)!.state);
    for (const id of ids) if (isLive(this.get(id)!.state)) return true;
    return false;
  }

  /**
   * Other records (any state) at `gossipAddress` than `id`: where a new member took over the
   * address of one that is gone (a pod's IP reused), the old records.
   */
  othersAt(gossipAddress: string, id: NodeId): readonly ClusterNode[] {
    const ids = this.idsByAddress.get(gossipAddress);
    // Asked on every alive record stored: the usual answer allocates nothing.
    if (ids === undefined || typeof ids === 'string') return NO_RECORDS;
    const out: ClusterNode[] = [];
    for (const other of ids) if (other !== id) out.push(this.get(other)!);
    return out;
  }

  /** Members: live ones by default, every record with `includeDead`. */
  members(includeDead = false): ClusterNode[] {
    const out: ClusterNode[] = [];
    const { nodes } = this;
    for (let slot = 0; slot < nodes.length; slot++) {
      const node = nodes.at(slot);
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
      const node = this.get(id);
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
  applyAlive(update: AliveUpdate | MemberRecord, now: number): MemberTableChange {
    const previous = this.get(update.id);
    if (previous !== undefined && update.incarnation <= previous.incarnation) return UNCHANGED;
    // A merged record in the alive state is the record to store (a pool's own, in a simulation):
    // no copy of it is built first.
    const current = this.store(
      'state' in update && update.state === NodeState.Alive
        ? update
        : {
            id: update.id,
            gossipAddress: update.gossipAddress,
            rpcAddress: update.rpcAddress,
            tags: update.tags,
            state: NodeState.Alive,
            incarnation: update.incarnation,
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
    const previous = this.get(id);
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
    const previous = this.get(id);
    if (previous === undefined || !isLive(previous.state)) return UNCHANGED;
    if (incarnation < previous.incarnation) return UNCHANGED;
    const current = this.store({ ...previous, state: NodeState.Dead, incarnation }, now);
    return { changed: true, previous, current, events: [{ type: 'NodeFailed', node: current }] };
  }

  /** Applies a graceful leave at an incarnation at least the known one: NodeLeft (if it was live). */
  applyLeft(id: NodeId, incarnation: number, now: number): MemberTableChange {
    const previous = this.get(id);
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
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const previous = this.nodes.at(slot);
    adjustChecksum(this.keptDigest, this.hashes[slot]!, this.fingerprints[slot]!, -1);
    this.unindex(previous);
    this.nonLive.delete(id);
    this.unindexAddress(previous);
    this.counts[previous.state]--;
    this.slots.delete(id);
    this.chains.unlink(slot, bucketIndex(this.hashes[slot]!, KEPT_DIGEST_BUCKETS));
    const last = this.nodes.length - 1;
    if (slot !== last) {
      this.chains.move(last, slot, bucketIndex(this.hashes[last]!, KEPT_DIGEST_BUCKETS));
      const moved = this.nodes.at(last);
      this.nodes.set(slot, moved);
      this.changedAt[slot] = this.changedAt[last]!;
      this.hashes[slot] = this.hashes[last]!;
      this.fingerprints[slot] = this.fingerprints[last]!;
      this.slots.set(moved.id, slot);
    }
    this.nodes.pop();
    return true;
  }

  private store(node: ClusterNode, now: number): ClusterNode {
    // Keys and indexes use the stored record's strings, so a pool shares them too.
    const frozen = this.freeze(node);
    if (frozen.id === this.localId) this.localRecord = frozen;
    let slot = this.slots.get(frozen.id);
    const previous = slot === undefined ? undefined : this.nodes.at(slot);
    if (previous?.gossipAddress !== frozen.gossipAddress) {
      if (previous !== undefined) this.unindexAddress(previous);
      this.indexAddress(frozen);
    }
    if (previous !== undefined) {
      this.unindex(previous);
      this.counts[previous.state]--;
    }
    if (slot === undefined) {
      slot = this.nodes.length;
      if (slot === this.hashes.length) this.grow();
      this.slots.set(frozen.id, slot);
      this.nodes.push(frozen);
      this.changedAt[slot] = now;
      this.hashes[slot] = pooledIdHash(frozen) ?? idHash(frozen.id);
      this.chains.link(slot, bucketIndex(this.hashes[slot]!, KEPT_DIGEST_BUCKETS));
    } else {
      this.nodes.set(slot, frozen);
      if (previous!.state !== frozen.state) this.changedAt[slot] = now;
    }
    const hash = this.hashes[slot]!;
    // The previous record's fingerprint is the one kept for its slot: hashed once per record.
    if (previous !== undefined) adjustChecksum(this.keptDigest, hash, this.fingerprints[slot]!, -1);
    const fingerprint = pooledFingerprint(frozen) ?? recordFingerprint(hash, frozen);
    this.fingerprints[slot] = fingerprint;
    adjustChecksum(this.keptDigest, hash, fingerprint, 1);
    this.counts[frozen.state]++;
    // Only a record that was dead or left is in `nonLive`: most stores skip a lookup there.
    if (!isLive(frozen.state)) this.nonLive.add(frozen.id);
    else if (previous !== undefined && !isLive(previous.state)) this.nonLive.delete(frozen.id);
    for (const key in frozen.tags) {
      const value = frozen.tags[key]!;
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
      ids.add(frozen.id);
    }
    return frozen;
  }

  /** Room for half as many slots again in the typed arrays, or for every pooled member. */
  private grow(): void {
    const capacity = Math.max(this.hashes.length + (this.hashes.length >> 1), this.pooledMembers());
    this.changedAt = grownArray(this.changedAt, capacity);
    this.hashes = grownArray(this.hashes, capacity);
    this.fingerprints = grownArray(this.fingerprints, capacity);
    this.chains.grow(capacity);
  }

  private indexAddress(node: ClusterNode): void {
    const ids = this.idsByAddress.get(node.gossipAddress);
    if (ids === undefined) this.idsByAddress.set(node.gossipAddress, node.id);
    else if (typeof ids === 'string')
      this.idsByAddress.set(node.gossipAddress, new Set([ids, node.id]));
    else ids.add(node.id);
  }

  private unindexAddress(node: ClusterNode): void {
    const ids = this.idsByAddress.get(node.gossipAddress);
    if (ids === undefined) return;
    if (typeof ids === 'string') {
      if (ids === node.id) this.idsByAddress.delete(node.gossipAddress);
      return;
    }
    ids.delete(node.id);
    if (ids.size === 1) this.idsByAddress.set(node.gossipAddress, ids.values().next().value!);
    else if (ids.size === 0) this.idsByAddress.delete(node.gossipAddress);
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

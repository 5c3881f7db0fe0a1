import { encodedMemberSize } from './codec.js';
import { DenseIdIndex } from './dense-id-index.js';
import { DenseSlotIndex, type KeyIndex, KeyNumbering } from './dense-key-index.js';
import { grownArray } from './grown-array.js';
import { idHash, recordFingerprint } from './member-digest.js';
import type { MemberRecord } from './messages.js';
import type { ClusterNode, NodeId, NodeTags } from './node.js';
import type { IdNumbering } from './probe-round.js';
import type { RecordColumn } from './record-column.js';

/** Versions of one member a pool keeps; older ones stay valid where held, just not shared. */
const VERSIONS_PER_MEMBER = 4;

function sameTags(a: NodeTags, b: NodeTags): boolean {
  // Records of one pool share their tags object: most comparisons end here.
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => b[key] === a[key]);
}

/** The parts of a member record besides its state and incarnation. */
type MemberMetadata = Pick<ClusterNode, 'gossipAddress' | 'rpcAddress' | 'tags'>;

/** True when `a` and `b` hold the same addresses and tags. */
export function sameMetadata(a: MemberMetadata, b: MemberMetadata): boolean {
  return (
    a.gossipAddress === b.gossipAddress && a.rpcAddress === b.rpcAddress && sameTags(a.tags, b.tags)
  );
}

/** An immutable copy of `node` (its tags too), so a stored record never changes under a reader. */
export function freezeRecord(node: ClusterNode): ClusterNode {
  return frozenRecord(node, frozenTags(node.tags));
}

/** No tags: one frozen object for every record without any (most of them). */
const NO_TAGS: NodeTags = Object.freeze({});

/** An immutable copy of `tags`. */
function frozenTags(tags: NodeTags): NodeTags {
  for (const _key in tags) return Object.freeze({ ...tags });
  return NO_TAGS;
}

/**
 * `node` with `tags`, every field named in one literal: all records then share one hidden class.
 * `Object.freeze({ ...node, tags })` gave nearly every record a class of its own (V8 does not
 * share the class of a frozen copy of a spread), so every read of a record's field missed the
 * inline caches: sizing a record for a push-pull took 500-800 ns instead of 80.
 */
function recordLiteral(node: ClusterNode, tags: NodeTags): ClusterNode {
  return {
    id: node.id,
    gossipAddress: node.gossipAddress,
    rpcAddress: node.rpcAddress,
    tags,
    state: node.state,
    incarnation: node.incarnation,
  };
}

function frozenRecord(node: ClusterNode, tags: NodeTags): ClusterNode {
  return Object.freeze(recordLiteral(node, tags));
}

/**
 * What a pooled record keeps besides its fields, computed once when it was pooled, in properties
 * that are not enumerable: no copy, comparison or JSON sees them. Its pool, its numbers in the
 * pool's id and address numberings, its encoded size, its id's hash and its fingerprint.
 */
const POOL = Symbol('pool');
const RECORD_NUMBER = Symbol('recordNumber');
const MEMBER_NUMBER = Symbol('memberNumber');
const ADDRESS_NUMBER = Symbol('addressNumber');
const ENCODED_SIZE = Symbol('encodedSize');
const ID_HASH = Symbol('idHash');
const FINGERPRINT = Symbol('fingerprint');

/** A pooled record's hidden fields (see {@link pooledRecord}). */
interface PooledFields {
  readonly [POOL]?: MemberRecordPool;
  readonly [RECORD_NUMBER]?: number;
  readonly [MEMBER_NUMBER]?: number;
  readonly [ADDRESS_NUMBER]?: number;
  readonly [ENCODED_SIZE]?: number;
  readonly [ID_HASH]?: number;
  readonly [FINGERPRINT]?: number;
}

/**
 * The encoded size of a pooled record (see `encodedMemberSize`); undefined for any other record.
 * A simulation sizes every record of every push-pull it sends, n^2 / 2 of them for the join
 * replies of n members: a field read instead of a lookup by record.
 */
export function pooledRecordSize(record: MemberRecord): number | undefined {
  return (record as PooledFields)[ENCODED_SIZE];
}

/** A pooled record's `idHash` of its id; undefined for any other record. */
export function pooledIdHash(record: MemberRecord): number | undefined {
  return (record as PooledFields)[ID_HASH];
}

/** A pooled record's `recordFingerprint`; undefined for any other record. */
export function pooledFingerprint(record: MemberRecord): number | undefined {
  return (record as PooledFields)[FINGERPRINT];
}

/**
 * A frozen record with its hidden fields (see {@link PooledFields}): n tables store each record,
 * and each hashed its strings and each codec sized it.
 */
function pooledRecord(
  node: ClusterNode,
  tags: NodeTags,
  pool: MemberRecordPool,
  recordNumber: number,
  memberNumber: number,
  addressNumber: number,
): ClusterNode {
  const record = recordLiteral(node, tags);
  Object.defineProperty(record, POOL, { value: pool });
  Object.defineProperty(record, RECORD_NUMBER, { value: recordNumber });
  Object.defineProperty(record, MEMBER_NUMBER, { value: memberNumber });
  Object.defineProperty(record, ADDRESS_NUMBER, { value: addressNumber });
  Object.defineProperty(record, ENCODED_SIZE, { value: encodedMemberSize(record) });
  const hash = idHash(record.id);
  Object.defineProperty(record, ID_HASH, { value: hash });
  Object.defineProperty(record, FINGERPRINT, { value: recordFingerprint(hash, record) });
  return Object.freeze(record);
}

/**
 * Shares immutable member records between member tables: equal content, one frozen object. A
 * simulation of n nodes in one process otherwise holds n copies of every member's record (its
 * strings, tags and hidden class included); with one pool it holds one per version. A single
 * node gains nothing from it and does without.
 */
export class MemberRecordPool {
  /**
   * The versions of each member, by its number in {@link ids}: a table has just looked that id
   * up, so finding its number is a comparison, not a hash lookup that misses the cache.
   */
  private readonly versions: Array<ClusterNode[] | undefined> = [];
  private members = 0;
  private readonly ids = new KeyNumbering();
  private readonly addresses = new KeyNumbering();
  /**
   * Every record this pool made, by its number: a table's slots hold numbers, not pointers (n^2
   * pointers in a simulation of n members for every full garbage collection to visit). Kept for
   * the pool's life: a member's versions, a few per change of its state.
   */
  private readonly records: ClusterNode[] = [];

  /** An index of slots by member id for one table, numbered once for every table of the pool. */
  slotIndex(): KeyIndex<number> {
    return new DenseSlotIndex(this.ids);
  }

  /** The pool's numbering of member ids, for numbers that stand for ids (a probe round's). */
  idNumbering(): IdNumbering {
    return this.ids;
  }

  /** The records of one table's slots, as numbers of this pool's records. */
  recordColumn(): RecordColumn {
    return new PooledRecordColumn(this, this.records);
  }

  /** The ids by gossip address of one table, numbered once for every table of the pool. */
  addressIndex(): KeyIndex<NodeId | Set<NodeId>> {
    return new DenseIdIndex(this.addresses, this.ids);
  }

  /** The pooled frozen record equal to `node`, added (newest first) when there is none. */
  intern(node: ClusterNode): ClusterNode {
    // One of ours already (a merged record, most of what tables store in a simulation).
    if ((node as PooledFields)[POOL] === this) return node;
    const number = this.ids.assign(node.id);
    // Filled up to the number (never a hole past the end), so the array keeps fast elements.
    while (this.versions.length <= number) this.versions.push(undefined);
    let list = this.versions[number];
    if (list === undefined) {
      list = [];
      this.versions[number] = list;
      this.members++;
    }
    for (const held of list) {
      if (
        held.incarnation === node.incarnation &&
        held.state === node.state &&
        sameMetadata(held, node)
      ) {
        return held;
      }
    }
    // Tags rarely change between versions: share the frozen tags object too.
    const previous = list[0];
    const record = pooledRecord(
      node,
      previous !== undefined && sameTags(previous.tags, node.tags)
        ? previous.tags
        : frozenTags(node.tags),
      this,
      this.records.length,
      number,
      this.addresses.assign(node.gossipAddress),
    );
    this.records.push(record);
    list.unshift(record);
    if (list.length > VERSIONS_PER_MEMBER) list.length = VERSIONS_PER_MEMBER;
    return record;
  }

  /**
   * When `record` is one of this pool's, tells the id and address numberings its numbers: the
   * lookups a table makes while it applies the record then cost a comparison each instead of a
   * hash lookup of a string (two per record merged, n^2 of them while n members form).
   */
  prime(record: MemberRecord): void {
    const fields = record as PooledFields;
    // Another pool's record holds that pool's numbers.
    if (fields[POOL] !== this) return;
    this.ids.prime(record.id, fields[MEMBER_NUMBER]!);
    this.addresses.prime(record.gossipAddress, fields[ADDRESS_NUMBER]!);
  }

  /** Members with at least one pooled record. */
  get size(): number {
    return this.members;
  }
}

/** Slots a {@link PooledRecordColumn} has room for at first; it grows by doubling. */
const INITIAL_SLOTS = 16;

/**
 * A {@link RecordColumn} of a pool's records, as their numbers in an `Int32Array`: outside the JS
 * heap, so a garbage collection neither visits nor copies it. Takes this pool's records only
 * (what a pooled table stores: `intern` returns them).
 */
class PooledRecordColumn implements RecordColumn {
  private numbers = new Int32Array(INITIAL_SLOTS);
  private count = 0;

  constructor(
    private readonly pool: MemberRecordPool,
    private readonly records: readonly ClusterNode[],
  ) {}

  get length(): number {
    return this.count;
  }

  at(slot: number): ClusterNode {
    return this.records[this.numbers[slot]!]!;
  }

  push(record: ClusterNode): void {
    if (this.count === this.numbers.length) {
      // As large as the pool's records at once: a table of a simulation ends up holding a record
      // of nearly every member.
      this.numbers = grownArray(this.numbers, Math.max(2 * this.count, this.records.length));
    }
    this.numbers[this.count++] = this.numberOf(record);
  }

  set(slot: number, record: ClusterNode): void {
    this.numbers[slot] = this.numberOf(record);
  }

  pop(): void {
    this.count--;
  }

  slice(start: number, end = this.count): ClusterNode[] {
    const out: ClusterNode[] = [];
    for (let slot = start; slot < end; slot++) out.push(this.at(slot));
    return out;
  }

  *values(): IterableIterator<ClusterNode> {
    for (let slot = 0; slot < this.count; slot++) yield this.at(slot);
  }

  /** `record`'s number in the pool; only the pool's own records have one here. */
  private numberOf(record: ClusterNode): number {
    const fields = record as PooledFields;
    if (fields[POOL] !== this.pool) {
      throw new Error("a pooled member table stores its pool's records only");
    }
    return fields[RECORD_NUMBER]!;
  }
}

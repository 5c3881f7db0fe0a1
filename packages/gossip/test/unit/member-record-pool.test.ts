import { describe, expect, it } from 'vitest';
import { encodedMemberSize } from '../../src/codec.js';
import { idHash, recordFingerprint } from '../../src/member-digest.js';
import {
  MemberRecordPool,
  pooledFingerprint,
  pooledIdHash,
  pooledRecordSize,
} from '../../src/member-record-pool.js';
import { MemberTable } from '../../src/member-table.js';
import type { AliveMessage } from '../../src/messages.js';
import { type ClusterNode, NodeState } from '../../src/node.js';

const record = (overrides: Partial<ClusterNode> = {}): ClusterNode => ({
  id: 'n1',
  gossipAddress: '10.0.0.1:7946',
  tags: { role: 'worker' },
  state: NodeState.Alive,
  incarnation: 0,
  ...overrides,
});

const aliveAt = (id: string, gossipAddress: string, incarnation: number): AliveMessage => ({
  kind: 'alive',
  id,
  incarnation,
  gossipAddress,
  tags: {},
});

describe('MemberRecordPool', () => {
  it('gives each pooled record its size, hash and fingerprint, unseen by copies and JSON', () => {
    const pool = new MemberRecordPool();
    const pooled = pool.intern(record({ rpcAddress: '10.0.0.1:9000', incarnation: 300 }));
    expect(pooledRecordSize(pooled)).toBe(encodedMemberSize(pooled));
    expect(pooledIdHash(pooled)).toBe(idHash('n1'));
    expect(pooledFingerprint(pooled)).toBe(recordFingerprint(idHash('n1'), pooled));
    const suspect = pool.intern(record({ state: NodeState.Suspect, incarnation: 300 }));
    expect(pooledFingerprint(suspect)).toBe(recordFingerprint(idHash('n1'), suspect));
    expect(pooledFingerprint(suspect)).not.toBe(pooledFingerprint(pooled));
    expect(pooledIdHash({ ...pooled })).toBeUndefined();
    expect(pooledFingerprint({ ...pooled })).toBeUndefined();
    expect(pooledRecordSize(pool.intern(record({ tags: {} })))).toBe(
      encodedMemberSize(record({ tags: {} })),
    );
    // Any other record has none: the shared codec sizes it itself.
    expect(pooledRecordSize(record())).toBeUndefined();
    expect(pooled).toEqual(record({ rpcAddress: '10.0.0.1:9000', incarnation: 300 }));
    expect(Object.keys({ ...pooled })).toEqual(Object.keys(pooled));
    expect(pooledRecordSize({ ...pooled })).toBeUndefined();
    expect(JSON.parse(JSON.stringify(pooled))).toEqual(
      record({ rpcAddress: '10.0.0.1:9000', incarnation: 300 }),
    );
  });

  it('returns one frozen object for equal records and a new one for each new version', () => {
    const pool = new MemberRecordPool();
    const first = pool.intern(record());
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.tags)).toBe(true);
    expect(pool.intern(record({ tags: { role: 'worker' } }))).toBe(first);
    // A record of this pool is its own pooled record; another pool's is interned as any record.
    expect(pool.intern(first)).toBe(first);
    const elsewhere = new MemberRecordPool().intern(record());
    expect(pool.intern(elsewhere)).toBe(first);
    const suspect = pool.intern(record({ state: NodeState.Suspect }));
    expect(suspect).not.toBe(first);
    expect(suspect.state).toBe(NodeState.Suspect);
    // Same tags: the frozen tags object is shared between versions.
    expect(suspect.tags).toBe(first.tags);
    const retagged = pool.intern(record({ incarnation: 1, tags: { role: 'director' } }));
    expect(retagged.tags).toEqual({ role: 'director' });
    expect(pool.intern(record({ gossipAddress: '10.0.0.2:7946' }))).not.toBe(first);
    expect(pool.size).toBe(1);
  });

  it('lets two member tables hold the same record object', () => {
    const pool = new MemberRecordPool();
    const a = new MemberTable(record({ id: 'a', gossipAddress: 'a:1' }), 0, pool);
    const b = new MemberTable(record({ id: 'b', gossipAddress: 'b:1' }), 0, pool);
    const alive = {
      kind: 'alive',
      id: 'c',
      incarnation: 3,
      gossipAddress: 'c:1',
      tags: {},
    } as const;
    a.applyAlive({ ...alive }, 1);
    b.applyAlive({ ...alive, tags: {} }, 2);
    expect(a.get('c')).toBe(b.get('c'));
    expect(a.stateChangedAt('c')).toBe(1);
    expect(b.stateChangedAt('c')).toBe(2);
  });
  it('gives a pooled table the same answers as an unpooled one under the same updates', () => {
    const pool = new MemberRecordPool();
    const self = record({ id: 'self', gossipAddress: '10.0.0.9:7946' });
    const pooled = new MemberTable(self, 0, pool);
    const plain = new MemberTable(self, 0);
    // A second pooled table numbers ids in another order than this one stores them.
    const other = new MemberTable(record({ id: 'other', gossipAddress: '10.0.1.1:7946' }), 0, pool);
    for (let i = 30; i >= 0; i--) other.applyAlive(aliveAt(`n${i}`, `10.0.0.${i % 20}:7946`, 0), 0);
    let now = 0;
    const both = (apply: (table: MemberTable) => unknown): void => {
      now++;
      expect(apply(pooled)).toEqual(apply(plain));
    };
    for (let i = 0; i < 30; i++)
      both((t) => t.applyAlive(aliveAt(`n${i}`, `10.0.0.${i % 20}:7946`, i % 2), now));
    both((t) => t.applySuspect('n4', 1, now));
    both((t) => t.applyDead('n5', 1, now));
    both((t) => t.applyLeft('n6', 0, now));
    for (const id of ['n0', 'n29', 'n12', 'n5', 'nobody']) both((t) => t.remove(id));
    both((t) => t.applyAlive(aliveAt('n12', '10.0.0.1:7946', 3), now));
    for (const table of [pooled, plain]) expect(table.size).toBe(28);
    expect([...pooled.all()]).toEqual([...plain.all()]);
    for (let i = 0; i < 30; i++) {
      both((t) => t.get(`n${i}`));
      both((t) => t.stateChangedAt(`n${i}`));
      both((t) =>
        t
          .othersAt(`10.0.0.${i % 20}:7946`, `n${i}`)
          .map((node) => node.id)
          .sort(),
      );
      both((t) => t.hasLiveAddress(`10.0.0.${i % 20}:7946`));
    }
    expect(pooled.digest(7)).toEqual(plain.digest(7));
  });

  it("finds and stores merged records by the numbers they carry, and only its own pool's", () => {
    const pool = new MemberRecordPool();
    const elsewhere = new MemberRecordPool();
    // The other pool numbers the same ids in another order: its numbers are wrong here.
    for (const id of ['z', 'y', 'x']) elsewhere.intern(record({ id, gossipAddress: `${id}:1` }));
    const table = new MemberTable(record({ id: 'self', gossipAddress: 'self:1' }), 0, pool);
    const sender = new MemberTable(record({ id: 'sender', gossipAddress: 's:1' }), 0, pool);
    for (const id of ['x', 'y', 'z']) sender.applyAlive(aliveAt(id, `${id}:1`, 1), 0);
    for (const merged of sender.records().slice(0)) {
      expect(table.storedFor(merged)).toBe(table.get(merged.id));
      table.applyAlive(merged, 1);
      expect(table.storedFor(merged)).toBe(merged);
    }
    // A record of the other pool: looked up by its id, never by the numbers it carries.
    for (const id of ['z', 'y', 'x']) {
      const foreign = elsewhere.intern(record({ id, gossipAddress: `${id}:1`, incarnation: 2 }));
      expect(table.storedFor(foreign)).toBe(table.get(id));
      expect(table.storedFor(foreign)?.incarnation).toBe(1);
      expect(table.applyAlive(foreign, 2).changed).toBe(true);
      expect(table.get(id)?.incarnation).toBe(2);
      expect(table.othersAt(`${id}:1`, id)).toEqual([]);
      expect(table.hasLiveAddress(`${id}:1`)).toBe(true);
    }
    const ids = (t: MemberTable): string[] => [...t.all()].map((node) => node.id);
    expect(ids(table)).toEqual(['self', 'sender', 'x', 'y', 'z']);
    // The slots hold this pool's records, read back through the record column as stored.
    const records = table.records();
    expect(records.slice(0)).toEqual([...table.all()]);
    expect(records.slice(1, 3).map((node) => node.id)).toEqual(['sender', 'x']);
    expect(records.at(4)).toBe(table.get('z'));
    table.remove('x');
    expect(ids(table)).toEqual(['self', 'sender', 'z', 'y']);
    expect(table.records().at(2)).toBe(table.get('z'));
  });
});

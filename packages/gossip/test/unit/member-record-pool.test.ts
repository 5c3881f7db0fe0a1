import { describe, expect, it } from 'vitest';
import { MemberRecordPool } from '../../src/member-record-pool.js';
import { MemberTable } from '../../src/member-table.js';
import { type ClusterNode, NodeState } from '../../src/node.js';

const record = (overrides: Partial<ClusterNode> = {}): ClusterNode => ({
  id: 'n1',
  gossipAddress: '10.0.0.1:7946',
  tags: { role: 'worker' },
  state: NodeState.Alive,
  incarnation: 0,
  ...overrides,
});

describe('MemberRecordPool', () => {
  it('returns one frozen object for equal records and a new one for each new version', () => {
    const pool = new MemberRecordPool();
    const first = pool.intern(record());
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.tags)).toBe(true);
    expect(pool.intern(record({ tags: { role: 'worker' } }))).toBe(first);
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
});

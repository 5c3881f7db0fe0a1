import { describe, expect, it } from 'vitest';
import { MemberTable } from '../../src/member-table.js';
import type { AliveMessage } from '../../src/messages.js';
import type { ClusterNode } from '../../src/node.js';

const self: ClusterNode = {
  id: 'self',
  gossipAddress: '10.0.0.1:7946',
  tags: { role: 'gateway' },
  state: 'alive',
  incarnation: 0,
};

function alive(id: string, incarnation: number, tags: Record<string, string> = {}): AliveMessage {
  return { kind: 'alive', id, incarnation, gossipAddress: `${id}:7946`, tags };
}

describe('MemberTable', () => {
  it('adds an unknown node as alive with NodeJoined', () => {
    const table = new MemberTable(self, 0);
    const change = table.applyAlive(alive('a', 0), 1);
    expect(change.changed).toBe(true);
    expect(change.events.map((e) => e.type)).toEqual(['NodeJoined']);
    expect(table.get('a')?.state).toBe('alive');
    expect(table.members().map((n) => n.id)).toEqual(['self', 'a']);
  });

  it('applies higher incarnation first, then dead > suspect > alive at equal incarnation', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 2), 0);
    expect(table.applyAlive(alive('a', 2), 1).changed).toBe(false);
    expect(table.applyAlive(alive('a', 1), 1).changed).toBe(false);
    expect(table.applySuspect('a', 1, 1).changed).toBe(false);
    const suspected = table.applySuspect('a', 2, 1);
    expect(suspected.events.map((e) => e.type)).toEqual(['NodeSuspected']);
    expect(table.applySuspect('a', 2, 1).changed).toBe(false);
    expect(table.applyAlive(alive('a', 2), 1).changed).toBe(false);
    const failed = table.applyDead('a', 2, 2);
    expect(failed.events.map((e) => e.type)).toEqual(['NodeFailed']);
    expect(table.applySuspect('a', 3, 3).changed).toBe(false);
    expect(table.applyAlive(alive('a', 2), 3).changed).toBe(false);
    const back = table.applyAlive(alive('a', 3), 4);
    expect(back.events.map((e) => e.type)).toEqual(['NodeJoined']);
    expect(table.stateChangedAt('a')).toBe(4);
  });

  it('reports suspect -> alive as NodeRecovered and changed tags as NodeUpdated', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0, { role: 'worker' }), 0);
    table.applySuspect('a', 0, 1);
    const refuted = table.applyAlive(alive('a', 1, { role: 'worker' }), 2);
    expect(refuted.events.map((e) => e.type)).toEqual(['NodeRecovered']);
    const retagged = table.applyAlive(alive('a', 2, { role: 'worker', gpu: 'yes' }), 3);
    expect(retagged.events).toMatchObject([
      {
        type: 'NodeUpdated',
        node: { tags: { gpu: 'yes' } },
        previous: { tags: { role: 'worker' } },
      },
    ]);
  });

  it('treats Left as final for its incarnation and emits NodeLeft only for live nodes', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 4), 0);
    expect(table.applyLeft('a', 3, 1).changed).toBe(false);
    expect(table.applyLeft('a', 4, 1).events.map((e) => e.type)).toEqual(['NodeLeft']);
    expect(table.applyDead('a', 4, 2).changed).toBe(false);
    expect(table.applySuspect('a', 4, 2).changed).toBe(false);
    expect(table.members().map((n) => n.id)).toEqual(['self']);
    expect(table.members(true).map((n) => n.id)).toEqual(['self', 'a']);
  });

  it('answers tag queries from the index, AND of terms, live nodes only', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('w1', 0, { role: 'worker', zone: 'a' }), 0);
    table.applyAlive(alive('w2', 0, { role: 'worker', zone: 'b' }), 0);
    table.applyAlive(alive('w3', 0, { role: 'worker', zone: 'a' }), 0);
    const ids = (filter: Record<string, string>): string[] =>
      table
        .nodesByTag(filter)
        .map((n) => n.id)
        .sort();
    expect(ids({ role: 'worker' })).toEqual(['w1', 'w2', 'w3']);
    expect(ids({ role: 'worker', zone: 'a' })).toEqual(['w1', 'w3']);
    expect(ids({ role: 'worker', zone: 'c' })).toEqual([]);
    expect(ids({ role: 'gateway' })).toEqual(['self']);
    table.applyDead('w3', 0, 1);
    expect(ids({ zone: 'a' })).toEqual(['w1']);
    table.applyAlive(alive('w1', 1, { role: 'worker', zone: 'b' }), 2);
    expect(ids({ zone: 'a' })).toEqual([]);
    expect(ids({ zone: 'b' })).toEqual(['w1', 'w2']);
    table.remove('w2');
    expect(ids({ zone: 'b' })).toEqual(['w1']);
  });

  it('keeps per-state counts and samples only known records', () => {
    const table = new MemberTable(self, 0);
    for (const id of ['a', 'b', 'c']) table.applyAlive(alive(id, 0), 0);
    table.applySuspect('b', 0, 1);
    table.applyDead('c', 0, 1);
    expect(table.countByState()).toEqual({ alive: 2, suspect: 1, dead: 1, left: 0 });
    expect(table.liveCount()).toBe(3);
    expect(table.remove('self')).toBe(false);
    expect(table.remove('c')).toBe(true);
    expect(table.countByState().dead).toBe(0);
    const seen = new Set<string>();
    let x = 0;
    for (let i = 0; i < 50; i++) {
      x = (x + 0.37) % 1;
      seen.add(table.randomNode(() => x)!.id);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'self']);
  });

  it('reports a local tag change as NodeUpdated', () => {
    const table = new MemberTable(self, 0);
    const change = table.setLocal({ ...self, tags: { role: 'worker' }, incarnation: 1 }, 1);
    expect(change.events.map((e) => e.type)).toEqual(['NodeUpdated']);
    expect(table.nodesByTag({ role: 'worker' }).map((n) => n.id)).toEqual(['self']);
    expect(table.setLocal({ ...table.local(), incarnation: 2 }, 2).events).toEqual([]);
  });

  it('tracks dead and left records and live addresses without a scan', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0), 0);
    table.applyAlive(alive('b', 0), 0);
    table.applyAlive(alive('c', 0), 0);
    expect([...table.nonLiveIds()]).toEqual([]);
    expect(table.hasLiveAddress('a:7946')).toBe(true);
    expect(table.hasLiveAddress(self.gossipAddress)).toBe(true);
    table.applyDead('b', 0, 1);
    table.applyLeft('a', 0, 2);
    expect([...table.nonLiveIds()]).toEqual(['b', 'a']);
    expect(table.hasLiveAddress('b:7946')).toBe(false);
    expect(table.hasLiveAddress('a:7946')).toBe(false);
    table.applySuspect('c', 0, 3);
    expect(table.hasLiveAddress('c:7946')).toBe(true);
    table.applyAlive(alive('b', 1), 4);
    expect([...table.nonLiveIds()]).toEqual(['a']);
    expect(table.hasLiveAddress('b:7946')).toBe(true);
    table.remove('a');
    expect([...table.nonLiveIds()]).toEqual([]);
    // Two live records at one address (a restart under a new id): the address stays live until both go.
    table.applyAlive({ ...alive('b2', 0), gossipAddress: 'b:7946' }, 5);
    table.applyDead('b', 1, 6);
    expect(table.hasLiveAddress('b:7946')).toBe(true);
    table.applyDead('b2', 0, 7);
    expect(table.hasLiveAddress('b:7946')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { AliveMessage } from '../../src/messages.js';
import type { ClusterNode } from '../../src/node.js';
import { NodeRegistry } from '../../src/registry.js';

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

describe('NodeRegistry', () => {
  it('adds an unknown node as alive with NodeJoined', () => {
    const registry = new NodeRegistry(self, 0);
    const change = registry.applyAlive(alive('a', 0), 1);
    expect(change.changed).toBe(true);
    expect(change.events.map((e) => e.type)).toEqual(['NodeJoined']);
    expect(registry.get('a')?.state).toBe('alive');
    expect(registry.members().map((n) => n.id)).toEqual(['self', 'a']);
  });

  it('applies higher incarnation first, then dead > suspect > alive at equal incarnation', () => {
    const registry = new NodeRegistry(self, 0);
    registry.applyAlive(alive('a', 2), 0);
    expect(registry.applyAlive(alive('a', 2), 1).changed).toBe(false);
    expect(registry.applyAlive(alive('a', 1), 1).changed).toBe(false);
    expect(registry.applySuspect('a', 1, 1).changed).toBe(false);
    const suspected = registry.applySuspect('a', 2, 1);
    expect(suspected.events.map((e) => e.type)).toEqual(['NodeSuspected']);
    expect(registry.applySuspect('a', 2, 1).changed).toBe(false);
    expect(registry.applyAlive(alive('a', 2), 1).changed).toBe(false);
    const failed = registry.applyDead('a', 2, 2);
    expect(failed.events.map((e) => e.type)).toEqual(['NodeFailed']);
    expect(registry.applySuspect('a', 3, 3).changed).toBe(false);
    expect(registry.applyAlive(alive('a', 2), 3).changed).toBe(false);
    const back = registry.applyAlive(alive('a', 3), 4);
    expect(back.events.map((e) => e.type)).toEqual(['NodeJoined']);
    expect(registry.stateChangedAt('a')).toBe(4);
  });

  it('reports suspect -> alive as NodeRecovered and changed tags as NodeUpdated', () => {
    const registry = new NodeRegistry(self, 0);
    registry.applyAlive(alive('a', 0, { role: 'worker' }), 0);
    registry.applySuspect('a', 0, 1);
    const refuted = registry.applyAlive(alive('a', 1, { role: 'worker' }), 2);
    expect(refuted.events.map((e) => e.type)).toEqual(['NodeRecovered']);
    const retagged = registry.applyAlive(alive('a', 2, { role: 'worker', gpu: 'yes' }), 3);
    expect(retagged.events).toMatchObject([
      {
        type: 'NodeUpdated',
        node: { tags: { gpu: 'yes' } },
        previous: { tags: { role: 'worker' } },
      },
    ]);
  });

  it('treats Left as final for its incarnation and emits NodeLeft only for live nodes', () => {
    const registry = new NodeRegistry(self, 0);
    registry.applyAlive(alive('a', 4), 0);
    expect(registry.applyLeft('a', 3, 1).changed).toBe(false);
    expect(registry.applyLeft('a', 4, 1).events.map((e) => e.type)).toEqual(['NodeLeft']);
    expect(registry.applyDead('a', 4, 2).changed).toBe(false);
    expect(registry.applySuspect('a', 4, 2).changed).toBe(false);
    expect(registry.members().map((n) => n.id)).toEqual(['self']);
    expect(registry.members(true).map((n) => n.id)).toEqual(['self', 'a']);
  });

  it('answers tag queries from the index, AND of terms, live nodes only', () => {
    const registry = new NodeRegistry(self, 0);
    registry.applyAlive(alive('w1', 0, { role: 'worker', zone: 'a' }), 0);
    registry.applyAlive(alive('w2', 0, { role: 'worker', zone: 'b' }), 0);
    registry.applyAlive(alive('w3', 0, { role: 'worker', zone: 'a' }), 0);
    const ids = (filter: Record<string, string>): string[] =>
      registry
        .nodesByTag(filter)
        .map((n) => n.id)
        .sort();
    expect(ids({ role: 'worker' })).toEqual(['w1', 'w2', 'w3']);
    expect(ids({ role: 'worker', zone: 'a' })).toEqual(['w1', 'w3']);
    expect(ids({ role: 'worker', zone: 'c' })).toEqual([]);
    expect(ids({ role: 'gateway' })).toEqual(['self']);
    registry.applyDead('w3', 0, 1);
    expect(ids({ zone: 'a' })).toEqual(['w1']);
    registry.applyAlive(alive('w1', 1, { role: 'worker', zone: 'b' }), 2);
    expect(ids({ zone: 'a' })).toEqual([]);
    expect(ids({ zone: 'b' })).toEqual(['w1', 'w2']);
    registry.remove('w2');
    expect(ids({ zone: 'b' })).toEqual(['w1']);
  });

  it('keeps per-state counts and samples only known records', () => {
    const registry = new NodeRegistry(self, 0);
    for (const id of ['a', 'b', 'c']) registry.applyAlive(alive(id, 0), 0);
    registry.applySuspect('b', 0, 1);
    registry.applyDead('c', 0, 1);
    expect(registry.countByState()).toEqual({ alive: 2, suspect: 1, dead: 1, left: 0 });
    expect(registry.liveCount()).toBe(3);
    expect(registry.remove('self')).toBe(false);
    expect(registry.remove('c')).toBe(true);
    expect(registry.countByState().dead).toBe(0);
    const seen = new Set<string>();
    let x = 0;
    for (let i = 0; i < 50; i++) {
      x = (x + 0.37) % 1;
      seen.add(registry.randomNode(() => x)!.id);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'self']);
  });

  it('reports a local tag change as NodeUpdated', () => {
    const registry = new NodeRegistry(self, 0);
    const change = registry.setLocal({ ...self, tags: { role: 'worker' }, incarnation: 1 }, 1);
    expect(change.events.map((e) => e.type)).toEqual(['NodeUpdated']);
    expect(registry.nodesByTag({ role: 'worker' }).map((n) => n.id)).toEqual(['self']);
    expect(registry.setLocal({ ...registry.local(), incarnation: 2 }, 2).events).toEqual([]);
  });

  it('tracks dead and left records and live addresses without a scan', () => {
    const registry = new NodeRegistry(self, 0);
    registry.applyAlive(alive('a', 0), 0);
    registry.applyAlive(alive('b', 0), 0);
    registry.applyAlive(alive('c', 0), 0);
    expect([...registry.nonLiveIds()]).toEqual([]);
    expect(registry.hasLiveAddress('a:7946')).toBe(true);
    expect(registry.hasLiveAddress(self.gossipAddress)).toBe(true);
    registry.applyDead('b', 0, 1);
    registry.applyLeft('a', 0, 2);
    expect([...registry.nonLiveIds()]).toEqual(['b', 'a']);
    expect(registry.hasLiveAddress('b:7946')).toBe(false);
    expect(registry.hasLiveAddress('a:7946')).toBe(false);
    registry.applySuspect('c', 0, 3);
    expect(registry.hasLiveAddress('c:7946')).toBe(true);
    registry.applyAlive(alive('b', 1), 4);
    expect([...registry.nonLiveIds()]).toEqual(['a']);
    expect(registry.hasLiveAddress('b:7946')).toBe(true);
    registry.remove('a');
    expect([...registry.nonLiveIds()]).toEqual([]);
    // Two live records at one address (a restart under a new id): the address stays live until both go.
    registry.applyAlive({ ...alive('b2', 0), gossipAddress: 'b:7946' }, 5);
    registry.applyDead('b', 1, 6);
    expect(registry.hasLiveAddress('b:7946')).toBe(true);
    registry.applyDead('b2', 0, 7);
    expect(registry.hasLiveAddress('b:7946')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  idHash,
  KEPT_DIGEST_BUCKETS,
  memberDigest,
  recordFingerprint,
} from '../../src/member-digest.js';
import { MemberRecordPool } from '../../src/member-record-pool.js';
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

function fingerprintOf(node: ClusterNode): number {
  return recordFingerprint(idHash(node.id), node);
}

function alive(id: string, incarnation: number, tags: Record<string, string> = {}): AliveMessage {
  return { kind: 'alive', id, incarnation, gossipAddress: `${id}:7946`, tags };
}

describe('MemberTable', () => {
  it('keeps its digest up to date through every kind of change, for folded and other bucket counts', () => {
    const table = new MemberTable(self, 0);
    // Powers of two up to the kept digest's count fold out of it; 5 and 2048 are computed.
    const bucketCounts = [1, 8, 64, KEPT_DIGEST_BUCKETS, 5, 2 * KEPT_DIGEST_BUCKETS];
    const same = (): void => {
      for (const bucketCount of bucketCounts) {
        expect(table.digest(bucketCount)).toEqual(memberDigest(table.all(), bucketCount));
      }
    };
    same();
    const changes: Array<(now: number) => unknown> = [
      ...Array.from(
        { length: 30 },
        (_, i) => (now: number) => table.applyAlive(alive(`m${i}`, 0), now),
      ),
      (now) => table.applySuspect('m3', 0, now),
      (now) => table.applyAlive(alive('m3', 1), now),
      (now) => table.applyDead('m4', 0, now),
      (now) => table.applyLeft('m5', 0, now),
      (now) => table.setLocal({ ...self, incarnation: 4 }, now),
      () => table.remove('m0'),
      () => table.remove('m29'),
      (now) => table.applyAlive(alive('m0', 2), now),
    ];
    changes.forEach((change, now) => {
      change(now);
      same();
    });
    // A digest handed out is the caller's: changing it does not change the table's.
    table.digest(8).fill(0);
    table.digest(5).fill(0);
    same();
  });

  it('keeps its digest and bucket lookup equal to hashing every record, across removals', () => {
    const table = new MemberTable(self, 0);
    for (let i = 0; i < 40; i++) table.applyAlive(alive(`m${i}`, i % 3), 0);
    table.applyDead('m7', 0, 1);
    // Removing swaps the last record into the freed slot: its hash must move with it.
    for (const id of ['m0', 'm13', 'm39', 'm20']) table.remove(id);
    table.applySuspect('m21', 5, 2);
    // records() is the same records in the same order, every one a stored (current) record.
    const records = table.records().slice(0);
    expect(records).toEqual([...table.all()]);
    expect(records.map((node) => table.get(node.id))).toEqual(records);
    expect(table.records()).toHaveLength(1 + 40 - 4);
    expect(table.records().at(3)).toBe(records[3]);
    for (const bucketCount of [1, 7, 64]) {
      expect(table.digest(bucketCount)).toEqual(memberDigest(table.all(), bucketCount));
      const buckets = new Set([0, bucketCount - 1]);
      expect(table.inBuckets([...buckets], bucketCount).map((node) => node.id)).toEqual(
        [...table.all()]
          .filter((node) => buckets.has(bucketOf(node.id, bucketCount)))
          .map((node) => node.id),
      );
    }
  });

  it('compares buckets as a scan of every record would, in slot order, through adds and removals', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    for (const pool of [undefined, new MemberRecordPool()]) {
      const table = new MemberTable(self, 0, pool);
      for (let step = 0; step < 3000; step++) {
        const id = `m${Math.floor(random() * 1500)}`;
        if (random() < 0.3) table.remove(id);
        else table.applyAlive(alive(id, Math.floor(random() * 4)), step);
      }
      expect(table.size).toBeGreaterThan(500);
      const theirs = new Set([...table.all()].filter((_, i) => i % 3 === 0).map(fingerprintOf));
      // Divisors of the kept digest's count use its chains; 200 and 2048 scan every record.
      for (const bucketCount of [1, 4, 256, KEPT_DIGEST_BUCKETS, 200, 2 * KEPT_DIGEST_BUCKETS]) {
        const buckets = [0, 3, bucketCount - 1, 3, 5000].filter((bucket) => bucket >= 0);
        const named = new Set(buckets);
        const inNamed = [...table.all()].filter((node) =>
          named.has(bucketOf(node.id, bucketCount)),
        );
        const { onlyOurs, ours } = table.compareBuckets(buckets, bucketCount, theirs);
        expect(onlyOurs.map((node) => node.id)).toEqual(
          inNamed.filter((node) => !theirs.has(fingerprintOf(node))).map((node) => node.id),
        );
        expect(ours.size).toBe(new Set(inNamed.map(fingerprintOf)).size);
        for (const node of inNamed) expect(ours.has(fingerprintOf(node))).toBe(true);
      }
    }
  });

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

  it('rejects every update about an unknown node, and forgets only known ones', () => {
    const table = new MemberTable(self, 0);
    expect(table.applySuspect('ghost', 0, 1)).toEqual({ changed: false, events: [] });
    expect(table.applyDead('ghost', 0, 1)).toEqual({ changed: false, events: [] });
    expect(table.applyLeft('ghost', 0, 1)).toEqual({ changed: false, events: [] });
    expect(table.remove('ghost')).toBe(false);
    expect(table.size).toBe(1);
    expect([...table.all()].map((n) => n.id)).toEqual(['self']);
  });

  it('counts every record and lists them in insertion order, dead and left included', () => {
    const table = new MemberTable(self, 0);
    for (const id of ['a', 'b', 'c']) table.applyAlive(alive(id, 0), 0);
    table.applyDead('b', 0, 1);
    table.applyLeft('c', 0, 1);
    expect(table.size).toBe(4);
    expect([...table.all()].map((n) => `${n.id}:${n.state}`)).toEqual([
      'self:alive',
      'a:alive',
      'b:dead',
      'c:left',
    ]);
  });

  it('re-suspects at a higher incarnation without a second NodeSuspected', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0), 0);
    expect(table.applySuspect('a', 2, 1)).toMatchObject({
      changed: true,
      current: { state: 'suspect', incarnation: 2 },
    });
    const again = table.applySuspect('a', 3, 2);
    expect(again).toMatchObject({
      changed: true,
      previous: { state: 'suspect', incarnation: 2 },
      current: { state: 'suspect', incarnation: 3 },
      events: [],
    });
    // The state did not change, so neither did the time it changed at.
    expect(table.stateChangedAt('a')).toBe(1);
  });

  it('declares a live node dead at its incarnation or above, never a dead one again', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 2), 0);
    expect(table.applyDead('a', 1, 1).changed).toBe(false);
    const failed = table.applyDead('a', 2, 1);
    expect(failed).toMatchObject({ changed: true, current: { state: 'dead', incarnation: 2 } });
    expect(table.applyDead('a', 3, 2).changed).toBe(false);
    expect(table.get('a')).toMatchObject({ state: 'dead', incarnation: 2 });
    table.applyAlive(alive('b', 0), 0);
    table.applySuspect('b', 0, 1);
    expect(table.applyDead('b', 1, 2)).toMatchObject({
      changed: true,
      current: { state: 'dead', incarnation: 1 },
      events: [{ type: 'NodeFailed' }],
    });
  });

  it('records a leave of a dead node silently, and never a second leave', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 1), 0);
    table.applyDead('a', 1, 1);
    expect(table.applyLeft('a', 1, 2)).toMatchObject({
      changed: true,
      previous: { state: 'dead' },
      current: { state: 'left', incarnation: 1 },
      events: [],
    });
    expect(table.applyLeft('a', 1, 3).changed).toBe(false);
    expect(table.applyLeft('a', 2, 3).changed).toBe(false);
    expect(table.get('a')).toMatchObject({ state: 'left', incarnation: 1 });
    expect(table.stateChangedAt('a')).toBe(2);
  });

  it('reports a changed tag value, gossip address or RPC address as NodeUpdated', () => {
    const table = new MemberTable(self, 0);
    const base: AliveMessage = {
      ...alive('a', 0, { role: 'worker', zone: 'a' }),
      rpcAddress: 'a:9000',
    };
    table.applyAlive(base, 0);
    const types = (message: AliveMessage): string[] =>
      table.applyAlive(message, 1).events.map((e) => e.type);
    expect(types({ ...base, incarnation: 1 })).toEqual([]);
    expect(types({ ...base, incarnation: 2, tags: { role: 'worker', zone: 'b' } })).toEqual([
      'NodeUpdated',
    ]);
    expect(types({ ...base, incarnation: 3, tags: { role: 'worker', zone: 'b' } })).toEqual([]);
    expect(
      types({ ...base, incarnation: 4, tags: { role: 'worker', zone: 'b' }, rpcAddress: 'a:9001' }),
    ).toEqual(['NodeUpdated']);
    expect(
      types({
        ...base,
        incarnation: 5,
        tags: { role: 'worker', zone: 'b' },
        rpcAddress: 'a:9001',
        gossipAddress: 'a2:7946',
      }),
    ).toEqual(['NodeUpdated']);
    expect(table.setLocal({ ...self, gossipAddress: '10.0.0.2:7946' }, 2).events).toMatchObject([
      { type: 'NodeUpdated', previous: { gossipAddress: self.gossipAddress } },
    ]);
    expect(table.setLocal({ ...table.local(), incarnation: 1 }, 3).changed).toBe(true);
  });

  it('keeps the time a state changed, not the time of every update', () => {
    const table = new MemberTable(self, 5);
    expect(table.stateChangedAt('self')).toBe(5);
    table.applyAlive(alive('a', 0), 10);
    table.applyAlive(alive('a', 1), 20);
    expect(table.stateChangedAt('a')).toBe(10);
    table.applySuspect('a', 1, 30);
    expect(table.stateChangedAt('a')).toBe(30);
    table.remove('a');
    expect(table.stateChangedAt('a')).toBeUndefined();
  });

  it('answers an empty filter with every live node, an unknown tag key with none', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0, { role: 'worker' }), 0);
    table.applyAlive(alive('b', 0), 0);
    table.applyDead('b', 0, 1);
    expect(table.nodesByTag({}).map((n) => n.id)).toEqual(['self', 'a']);
    expect(table.nodesByTag({ colour: 'blue' })).toEqual([]);
    expect(table.nodesByTag({ role: 'worker', colour: 'blue' })).toEqual([]);
  });

  it('intersects tag terms when the smallest posting set holds nodes the others lack', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('w1', 0, { role: 'worker', zone: 'a' }), 0);
    table.applyAlive(alive('g', 0, { role: 'gateway', zone: 'a' }), 0);
    table.applyAlive(alive('w2', 0, { role: 'worker', zone: 'b' }), 0);
    table.applyAlive(alive('w3', 0, { role: 'worker', zone: 'b' }), 0);
    const ids = (filter: Record<string, string>): string[] =>
      table
        .nodesByTag(filter)
        .map((n) => n.id)
        .sort();
    // zone=a (2 ids) is scanned and checked against role=worker (3 ids): g must drop out.
    expect(ids({ role: 'worker', zone: 'a' })).toEqual(['w1']);
    expect(ids({ zone: 'a', role: 'worker' })).toEqual(['w1']);
    expect(ids({ role: 'gateway', zone: 'b' })).toEqual([]);
  });

  it('lists the other records at a gossip address, following moves and removals', () => {
    const table = new MemberTable(self, 0);
    const at = (id: string, address: string, incarnation = 0): AliveMessage => ({
      ...alive(id, incarnation),
      gossipAddress: address,
    });
    const others = (address: string, id: string): string[] =>
      table
        .othersAt(address, id)
        .map((n) => n.id)
        .sort();
    table.applyAlive(at('a', 'x:1'), 0);
    expect(others('x:1', 'a')).toEqual([]);
    expect(others('nowhere:1', 'a')).toEqual([]);
    table.applyAlive(at('b', 'x:1'), 0);
    table.applyAlive(at('c', 'x:1'), 0);
    expect(others('x:1', 'c')).toEqual(['a', 'b']);
    table.applyDead('a', 0, 1);
    expect(others('x:1', 'c')).toEqual(['a', 'b']);
    // a comes back elsewhere: x:1 keeps b and c.
    table.applyAlive(at('a', 'y:1', 1), 2);
    expect(others('x:1', 'c')).toEqual(['b']);
    expect(others('y:1', 'a')).toEqual([]);
    table.applyAlive(at('d', 'y:1'), 3);
    expect(others('y:1', 'd')).toEqual(['a']);
    table.remove('b');
    expect(others('x:1', 'c')).toEqual([]);
    table.applyAlive(at('e', 'x:1'), 4);
    expect(others('x:1', 'e')).toEqual(['c']);
  });

  it('moves a live address with its record, and counts each live record at an address once', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0), 0);
    table.applyAlive({ ...alive('a', 1), gossipAddress: 'a-new:7946' }, 1);
    expect(table.hasLiveAddress('a:7946')).toBe(false);
    expect(table.hasLiveAddress('a-new:7946')).toBe(true);
    // Updates at one address must not count the record there twice.
    table.applyAlive(alive('b', 0), 0);
    table.applyAlive(alive('b', 1), 1);
    table.applyAlive(alive('b', 2), 2);
    table.applyDead('b', 2, 3);
    expect(table.hasLiveAddress('b:7946')).toBe(false);
  });

  it('keeps dead and left records in the order they stopped being live', () => {
    const table = new MemberTable(self, 0);
    for (const id of ['a', 'b', 'c']) table.applyAlive(alive(id, 0), 0);
    table.applyDead('b', 0, 1);
    table.applyDead('a', 0, 2);
    table.applyLeft('b', 0, 3);
    expect([...table.nonLiveIds()]).toEqual(['b', 'a']);
  });

  it('samples every remaining record after a removal from the middle', () => {
    const table = new MemberTable(self, 0);
    for (const id of ['a', 'b', 'c']) table.applyAlive(alive(id, 0), 0);
    table.applyDead('a', 0, 1);
    expect(table.remove('a')).toBe(true);
    const picks = [0, 1, 2].map((index) => table.randomNode(() => index / 3)?.id);
    expect(picks.sort()).toEqual(['b', 'c', 'self']);
    expect(table.remove('c')).toBe(true);
    const rest = [0, 1].map((index) => table.randomNode(() => index / 2)?.id);
    expect(rest.sort()).toEqual(['b', 'self']);
  });

  it('finds no other record beside the one member at an address', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive({ ...alive('alpha', 0), gossipAddress: 'x:1' }, 0);
    expect(table.othersAt('x:1', 'alpha')).toEqual([]);
  });

  it('forgets the last record it stored and takes it back as new', () => {
    const table = new MemberTable(self, 0);
    table.applyAlive(alive('a', 0), 0);
    table.applyDead('a', 0, 1);
    expect(table.remove('a')).toBe(true);
    expect(table.get('a')).toBeUndefined();
    expect(table.size).toBe(1);
    const back = table.applyAlive(alive('a', 0), 2);
    expect(back.events.map((e) => e.type)).toEqual(['NodeJoined']);
    expect(table.size).toBe(2);
    expect(table.stateChangedAt('a')).toBe(2);
  });

  it('shares equal records between tables through a pool', () => {
    const pool = new MemberRecordPool();
    const one = new MemberTable(self, 0, pool);
    const two = new MemberTable({ ...self, id: 'other', gossipAddress: 'other:7946' }, 0, pool);
    one.applyAlive(alive('a', 3, { role: 'worker' }), 1);
    two.applyAlive(alive('a', 3, { role: 'worker' }), 2);
    expect(one.get('a')).toBe(two.get('a'));
    expect(one.get('a')).toMatchObject({ id: 'a', incarnation: 3, tags: { role: 'worker' } });
    expect(Object.isFrozen(one.get('a'))).toBe(true);
  });
});

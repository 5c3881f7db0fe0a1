import { VirtualClock } from '@rpcnet/base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidFilterError,
  LeastConnections,
  NoWorkersAvailableError,
  RegistryConfigError,
  RoundRobin,
  type WorkerEvent,
  WorkerRegistry,
} from '../src/index.js';
import { FakeMembership, makeNode } from './support/fake-membership.js';

const registries: WorkerRegistry[] = [];

function startRegistry(
  membership: FakeMembership,
  options: ConstructorParameters<typeof WorkerRegistry>[2] = {},
): WorkerRegistry {
  const registry = new WorkerRegistry(membership, new RoundRobin(), {
    clock: new VirtualClock(),
    ...options,
  });
  registry.start();
  registries.push(registry);
  return registry;
}

function ids(registry: WorkerRegistry, filter?: string): string[] {
  return registry
    .workers(filter)
    .map((worker) => worker.id)
    .sort();
}

function recordEvents(registry: WorkerRegistry): WorkerEvent[] {
  const events: WorkerEvent[] = [];
  registry.onEvent((event) => events.push(event));
  return events;
}

afterEach(() => {
  for (const registry of registries.splice(0)) {
    registry.stop();
  }
});

describe('following membership', () => {
  it('loads members known before start and ignores members without an RPC address', () => {
    const membership = new FakeMembership();
    membership.preload('w1', { tags: { role: 'worker' } });
    membership.preload('gossip-only', { rpcAddress: undefined, tags: { role: 'worker' } });
    const registry = startRegistry(membership);
    expect(ids(registry)).toEqual(['w1']);
    expect(registry.getWorker('w1')).toMatchObject({
      id: 'w1',
      rpcAddress: '127.0.0.1:w1',
      state: 'alive',
      inFlight: 0,
      tags: { role: 'worker' },
    });
  });

  it('removes a worker on NodeFailed and NodeLeft, and re-adds it on rejoin', () => {
    const membership = new FakeMembership();
    const registry = startRegistry(membership);
    const events = recordEvents(registry);
    membership.join('w1', { tags: { role: 'worker' } });
    membership.join('w2', { tags: { role: 'worker' } });
    expect(ids(registry, 'role=worker')).toEqual(['w1', 'w2']);

    membership.fail('w1');
    expect(ids(registry, 'role=worker')).toEqual(['w2']);
    membership.leave('w2');
    expect(ids(registry, 'role=worker')).toEqual([]);
    expect(() => registry.selectWorker('role=worker')).toThrow(NoWorkersAvailableError);

    membership.join('w1', { tags: { role: 'worker' } });
    expect(ids(registry, 'role=worker')).toEqual(['w1']);
    expect(registry.selectWorker('role=worker').worker.id).toBe('w1');

    expect(events.map((event) => `${event.type}:${event.worker.id}`)).toEqual([
      'WorkerAdded:w1',
      'WorkerAdded:w2',
      'WorkerRemoved:w1',
      'WorkerRemoved:w2',
      'WorkerAdded:w1',
    ]);
    const reasons = events.flatMap((event) =>
      event.type === 'WorkerRemoved' ? [event.reason] : [],
    );
    expect(reasons).toEqual(['failed', 'left']);
  });

  it('excludes a worker that publishes healthy=false and re-includes it when healthy again', () => {
    const membership = new FakeMembership();
    membership.preload('w1', { tags: { role: 'worker' } });
    membership.preload('w2', { tags: { role: 'worker' } });
    const registry = startRegistry(membership);
    const removed: string[] = [];
    registry.on('WorkerRemoved', (event) => removed.push(`${event.worker.id}:${event.reason}`));

    membership.updateTags('w1', { healthy: 'false' });
    expect(ids(registry, 'role=worker')).toEqual(['w2']);
    expect(removed).toEqual(['w1:unhealthy']);
    for (let call = 0; call < 5; call += 1) {
      const lease = registry.selectWorker('role=worker');
      expect(lease.worker.id).toBe('w2');
      lease.release();
    }

    membership.updateTags('w1', { healthy: 'true' });
    expect(ids(registry, 'role=worker')).toEqual(['w1', 'w2']);
  });

  it('avoids suspect workers while alive ones exist, and uses them otherwise', () => {
    const membership = new FakeMembership();
    membership.preload('w1', { tags: { role: 'worker' } });
    membership.preload('w2', { tags: { role: 'worker' } });
    const registry = startRegistry(membership);
    const updates: string[] = [];
    registry.on('WorkerUpdated', (event) =>
      updates.push(`${event.worker.id}:${event.previous.state}->${event.worker.state}`),
    );

    membership.suspect('w1');
    for (let call = 0; call < 4; call += 1) {
      expect(registry.selectWorker().worker.id).toBe('w2');
    }
    membership.fail('w2');
    const lease = registry.selectWorker();
    expect(lease.worker.id).toBe('w1');
    expect(lease.worker.state).toBe('suspect');
    membership.recover('w1');
    expect(updates).toEqual(['w1:alive->suspect', 'w1:suspect->alive']);
    expect(registry.workers().map((worker) => worker.state)).toEqual(['alive']);
  });

  it('counts selections of alive workers, of suspects for want of alive ones, and of none', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    membership.preload('w2');
    const registry = startRegistry(membership);
    registry.selectWorker();
    membership.suspect('w1');
    registry.selectWorker();
    registry.selectWorker();
    membership.fail('w2');
    registry.selectWorker();
    membership.fail('w1');
    expect(() => registry.selectWorker()).toThrow(NoWorkersAvailableError);
    expect(registry.selectionStats()).toEqual({
      strategy: 'round-robin',
      alive: 3,
      suspect: 1,
      none: 1,
    });
  });

  it('resyncs from members() on partition events', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    membership.preload('w2');
    const registry = startRegistry(membership);
    membership.partitionAway('w2');
    expect(ids(registry)).toEqual(['w1']);
  });

  it('applies workerFilter and includeLocalNode to decide who is a worker', () => {
    const membership = new FakeMembership(makeNode('self', { tags: { role: 'worker' } }));
    membership.preload('w1', { tags: { role: 'worker' } });
    membership.preload('d1', { tags: { role: 'director' } });
    const all = startRegistry(membership, { workerFilter: 'role=worker' });
    const remoteOnly = startRegistry(membership, {
      workerFilter: { role: 'worker' },
      includeLocalNode: false,
    });
    expect(ids(all)).toEqual(['self', 'w1']);
    expect(ids(remoteOnly)).toEqual(['w1']);

    const removed: string[] = [];
    all.on('WorkerRemoved', (event) => removed.push(`${event.worker.id}:${event.reason}`));
    membership.updateTags('w1', { role: 'director' });
    expect(ids(all)).toEqual(['self']);
    expect(removed).toEqual(['w1:unmatched']);
  });

  it('without workerFilter counts only members that serve RPC, however they arrive', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const registry = startRegistry(membership);
    membership.join('director-2', { rpcAddress: undefined, tags: { role: 'director' } });
    membership.join('w2');
    membership.updateTags('director-2', { zone: 'b' });
    membership.recover('director-2');
    membership.partitionAway('nobody');
    expect(ids(registry)).toEqual(['w1', 'w2']);
    expect(registry.size).toBe(2);
    expect(registry.getWorker('director')).toBeUndefined();
    expect(registry.getWorker('director-2')).toBeUndefined();
  });

  it('stops following membership on stop() and reports every worker removed', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const registry = startRegistry(membership);
    const events = recordEvents(registry);
    registry.stop();
    registry.stop();
    expect(membership.listenerCount).toBe(0);
    expect(registry.size).toBe(0);
    expect(events).toMatchObject([{ type: 'WorkerRemoved', reason: 'stopped' }]);
    membership.join('w2');
    expect(registry.size).toBe(0);
    expect(() => registry.selectWorker()).toThrow(/the registry is not running/);
  });

  it('keeps working when an event listener throws', () => {
    const membership = new FakeMembership();
    const registry = startRegistry(membership);
    registry.onEvent(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    const unsubscribe = registry.on('WorkerAdded', (event) => seen.push(event.worker.id));
    membership.join('w1');
    unsubscribe();
    membership.join('w2');
    expect(seen).toEqual(['w1']);
    expect(ids(registry)).toEqual(['w1', 'w2']);
  });
});

describe('filters in selection', () => {
  function gpuCluster(): { registry: WorkerRegistry; membership: FakeMembership } {
    const membership = new FakeMembership();
    membership.preload('cpu1', { tags: { role: 'worker', gpu: 'false' } });
    membership.preload('gpu1', { tags: { role: 'worker', gpu: 'true', zone: 'a' } });
    membership.preload('gpu2', { tags: { role: 'worker', gpu: 'true', zone: 'b' } });
    membership.preload('dir', { tags: { role: 'director', gpu: 'true' } });
    return { registry: startRegistry(membership), membership };
  }

  it('matches every term of a multi-term filter, in any of the three forms', () => {
    const { registry } = gpuCluster();
    expect(ids(registry, 'role=worker,gpu=true')).toEqual(['gpu1', 'gpu2']);
    expect(ids(registry, 'role=worker,gpu=true,zone=b')).toEqual(['gpu2']);
    expect(registry.workers({ role: 'worker', gpu: 'false' }).map((w) => w.id)).toEqual(['cpu1']);
    const predicate = registry.workers((node) => node.tags.zone !== undefined).map((w) => w.id);
    expect(predicate.sort()).toEqual(['gpu1', 'gpu2']);
    for (let call = 0; call < 6; call += 1) {
      const lease = registry.selectWorker('role=worker,gpu=true');
      expect(['gpu1', 'gpu2']).toContain(lease.worker.id);
      lease.release();
    }
  });

  it('rejects a malformed filter with InvalidFilterError', () => {
    const { registry } = gpuCluster();
    expect(() => registry.selectWorker('role=worker,,gpu=true')).toThrow(InvalidFilterError);
    expect(() => registry.workers('role')).toThrow(/term "role" has no "="/);
  });

  it('throws NoWorkersAvailableError carrying the filter', () => {
    const { registry } = gpuCluster();
    try {
      registry.selectWorker('role=worker,gpu=true,zone=c');
      expect.unreachable('selection should fail');
    } catch (error) {
      expect(error).toBeInstanceOf(NoWorkersAvailableError);
      if (error instanceof NoWorkersAvailableError) {
        expect(error.filter).toBe('gpu=true,role=worker,zone=c');
        expect(error.message).toContain('gpu=true,role=worker,zone=c');
      }
    }
  });

  it('honours exclude for failover and fails once everything is excluded', () => {
    const { registry } = gpuCluster();
    const first = registry.selectWorker('gpu=true,role=worker');
    const second = registry.selectWorker('gpu=true,role=worker', {
      exclude: new Set([first.worker.id]),
    });
    expect(second.worker.id).not.toBe(first.worker.id);
    const everything = new Set([first.worker.id, second.worker.id]);
    expect(() => registry.selectWorker('gpu=true,role=worker', { exclude: everything })).toThrow(
      /\(2 excluded\)/,
    );
  });

  it('queries the tag index once per filter until membership changes', () => {
    const { registry, membership } = gpuCluster();
    membership.nodesByTagCalls = 0;
    for (let call = 0; call < 50; call += 1) {
      registry.selectWorker('role=worker,gpu=true').release();
      registry.selectWorker({ gpu: 'true', role: 'worker' }).release();
    }
    expect(membership.nodesByTagCalls).toBe(1);

    // A change to a node outside the filter leaves the cached list alone ...
    membership.updateTags('cpu1', { zone: 'c' });
    registry.selectWorker('role=worker,gpu=true').release();
    expect(membership.nodesByTagCalls).toBe(1);
    // ... a change to a node inside it rebuilds the list.
    membership.join('gpu3', { tags: { role: 'worker', gpu: 'true' } });
    expect(ids(registry, 'role=worker,gpu=true')).toEqual(['gpu1', 'gpu2', 'gpu3']);
    expect(membership.nodesByTagCalls).toBe(2);
  });

  it('keeps selecting correctly when more filters are used than the cache holds', () => {
    const membership = new FakeMembership();
    for (let index = 0; index < 5; index += 1) {
      membership.preload(`w${index}`, { tags: { slot: String(index) } });
    }
    const registry = startRegistry(membership, { maxCachedFilters: 2 });
    for (let round = 0; round < 3; round += 1) {
      for (let index = 0; index < 5; index += 1) {
        const lease = registry.selectWorker(`slot=${index}`);
        expect(lease.worker.id).toBe(`w${index}`);
        lease.release();
      }
    }
    membership.fail('w0');
    expect(() => registry.selectWorker('slot=0')).toThrow(NoWorkersAvailableError);
  });
});

describe('in-flight accounting', () => {
  it('counts a call from selection to release, and a second release changes nothing', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const registry = startRegistry(membership);
    const lease = registry.selectWorker();
    expect(lease.worker.inFlight).toBe(1);
    expect(registry.getWorker('w1')?.inFlight).toBe(1);
    expect(lease.release({ latencyMs: 12 })).toBe(true);
    expect(lease.release({ latencyMs: 12 })).toBe(false);
    expect(lease.released).toBe(true);
    expect(registry.getWorker('w1')?.inFlight).toBe(0);
    expect(registry.getWorker('w1')?.latency.samples).toBe(1);
  });

  it('releases on errors and cancellations through withWorker', async () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const registry = startRegistry(membership, { failurePenaltyMs: 500 });
    await expect(
      registry.withWorker(undefined, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(registry.getWorker('w1')).toMatchObject({
      inFlight: 0,
      latency: { failures: 1, ewmaMs: 500 },
    });

    const controller = new AbortController();
    const cancelled = registry.withWorker(
      undefined,
      () => {
        controller.abort();
        return Promise.reject(new Error('aborted'));
      },
      { signal: controller.signal },
    );
    await expect(cancelled).rejects.toThrow('aborted');
    expect(registry.getWorker('w1')).toMatchObject({
      inFlight: 0,
      latency: { failures: 1, samples: 1 },
    });

    await expect(
      registry.withWorker(undefined, (worker) => Promise.resolve(worker.id)),
    ).resolves.toBe('w1');
    expect(registry.getWorker('w1')?.inFlight).toBe(0);
  });

  it('measures the lease on the clock when no latency is given', async () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const clock = new VirtualClock();
    const registry = startRegistry(membership, { clock });
    const lease = registry.selectWorker();
    await clock.advanceSettling(25);
    lease.release();
    expect(registry.getWorker('w1')?.latency).toMatchObject({ ewmaMs: 25, lastMs: 25 });
  });

  it('never goes negative or leaks under random interleavings of calls, errors and churn', () => {
    const membership = new FakeMembership();
    for (let index = 0; index < 4; index += 1) {
      membership.preload(`w${index}`);
    }
    const registry = new WorkerRegistry(membership, new LeastConnections(), {
      clock: new VirtualClock(),
    });
    registry.start();
    registries.push(registry);
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const open: Array<ReturnType<typeof registry.selectWorker>> = [];
    for (let step = 0; step < 2000; step += 1) {
      const roll = next();
      if (roll < 0.45) {
        try {
          open.push(registry.selectWorker());
        } catch (error) {
          expect(error).toBeInstanceOf(NoWorkersAvailableError);
        }
      } else if (roll < 0.85 && open.length > 0) {
        const lease = open.splice(Math.floor(next() * open.length), 1)[0];
        lease?.release(next() < 0.3 ? { failed: true } : {});
        lease?.release();
      } else {
        const id = `w${Math.floor(next() * 4)}`;
        if (registry.getWorker(id) === undefined) {
          membership.join(id);
        } else if (next() < 0.5) {
          membership.fail(id);
        } else {
          membership.updateTags(id, { healthy: 'false' });
        }
      }
      for (const worker of registry.workers()) {
        expect(worker.inFlight).toBeGreaterThanOrEqual(0);
        const held = open.filter((lease) => lease.worker.id === worker.id).length;
        expect(worker.inFlight).toBe(held);
      }
    }
    for (const lease of open) {
      lease.release();
    }
    for (let index = 0; index < 4; index += 1) {
      if (registry.getWorker(`w${index}`) === undefined) {
        membership.join(`w${index}`);
      }
    }
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0, 0, 0]);
  });

  it('survives a worker removed while leased, and keeps the exact count across a rejoin', () => {
    const membership = new FakeMembership();
    membership.preload('w1');
    const registry = startRegistry(membership);
    const first = registry.selectWorker();
    const second = registry.selectWorker();
    membership.fail('w1');
    expect(registry.getWorker('w1')).toBeUndefined();
    expect(first.release()).toBe(true);

    membership.join('w1');
    expect(registry.getWorker('w1')?.inFlight).toBe(1);
    expect(second.release()).toBe(true);
    expect(registry.getWorker('w1')?.inFlight).toBe(0);

    membership.fail('w1');
    membership.join('w1');
    expect(registry.getWorker('w1')?.inFlight).toBe(0);
  });
});

describe('configuration', () => {
  it.each([
    [{ ewmaAlpha: 0 }, 'ewmaAlpha'],
    [{ ewmaAlpha: 1.5 }, 'ewmaAlpha'],
    [{ failurePenaltyMs: -1 }, 'failurePenaltyMs'],
    [{ maxCachedFilters: 0.5 }, 'maxCachedFilters'],
    [{ workerFilter: 'role' }, 'workerFilter'],
    [{ bogus: true }, 'bogus'],
  ])('rejects %j naming the field', (options, field) => {
    const create = () =>
      new WorkerRegistry(new FakeMembership(), new RoundRobin(), options as never);
    expect(create).toThrow(RegistryConfigError);
    expect(create).toThrow(`"${field}"`);
  });
});

import { createSeededRandom } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import {
  LeastConnections,
  LeastLatency,
  type LoadBalancingStrategy,
  PowerOfTwoChoices,
  Random,
  RoundRobin,
  Weighted,
  type Worker,
  type WorkerLease,
} from '../src/index.js';
import { makeNode } from './support/fake-membership.js';
import { distribution, registryWith } from './support/registry-fixture.js';

const threeWorkers = [{ role: 'worker' }, { role: 'worker' }, { role: 'worker' }];

const strategies: ReadonlyArray<[string, () => LoadBalancingStrategy]> = [
  ['RoundRobin', () => new RoundRobin()],
  ['Random', () => new Random({ random: createSeededRandom(42) })],
  ['LeastConnections', () => new LeastConnections()],
  ['PowerOfTwoChoices', () => new PowerOfTwoChoices({ random: createSeededRandom(7) })],
  ['LeastLatency', () => new LeastLatency()],
  ['Weighted (equal weights)', () => new Weighted({ random: createSeededRandom(99) })],
];

describe('distribution: 100 requests over 3 workers', () => {
  it.each(strategies)('%s gives each worker a fair share', (_name, create) => {
    const { registry } = registryWith(create(), threeWorkers);
    const counts = distribution(registry, 100, 'role=worker');
    expect([...counts.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    for (const count of counts.values()) {
      // A fair share is 33; randomized strategies (seeded) may stray by a few.
      expect(count).toBeGreaterThanOrEqual(23);
      expect(count).toBeLessThanOrEqual(43);
    }
  });

  it('RoundRobin and LeastConnections split exactly 34/33/33, in registration order', () => {
    for (const strategy of [new RoundRobin(), new LeastConnections()]) {
      const { registry } = registryWith(strategy, threeWorkers);
      expect(Object.fromEntries(distribution(registry, 100))).toEqual({ w1: 34, w2: 33, w3: 33 });
    }
  });
});

/** Ids of `count` sequential selections (each released at once). */
function picks(
  registry: ReturnType<typeof registryWith>['registry'],
  count: number,
  filter?: string,
) {
  return Array.from({ length: count }, () => {
    const lease = registry.selectWorker(filter);
    lease.release();
    return lease.worker.id;
  });
}

describe('RoundRobin', () => {
  const worker = (id: string): Worker => ({ id }) as Worker;
  const [a, b, c] = [worker('a'), worker('b'), worker('c')];

  it('visits the candidates in their order, one step per pick', () => {
    const strategy = new RoundRobin();
    const order = Array.from({ length: 7 }, () => strategy.pick([a, b, c], { filterKey: 'k' })?.id);
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('keeps one cursor per filter and wraps it over a list that shrank', () => {
    const strategy = new RoundRobin();
    expect(strategy.pick([a, b, c], { filterKey: 'x' })?.id).toBe('a');
    expect(strategy.pick([a, b, c], { filterKey: 'x' })?.id).toBe('b');
    expect(strategy.pick([c, b, a], { filterKey: 'y' })?.id).toBe('c');
    // Cursor 2 of filter x over two candidates: index 0.
    expect(strategy.pick([a, b], { filterKey: 'x' })?.id).toBe('a');
    expect(strategy.pick([a, b], { filterKey: 'x' })?.id).toBe('b');
    expect(strategy.pick([c, b, a], { filterKey: 'y' })?.id).toBe('b');
    expect(strategy.pick([], { filterKey: 'z' })).toBeUndefined();
  });

  it('forgets the oldest cursor beyond 1024 filters, restarting it at the first candidate', () => {
    const strategy = new RoundRobin();
    strategy.pick([a, b, c], { filterKey: 'first' });
    strategy.pick([a, b, c], { filterKey: 'second' });
    for (let key = 0; key < 1022; key++) strategy.pick([a, b, c], { filterKey: `f${key}` });
    // 1024 cursors held: 'first' still remembered.
    expect(strategy.pick([a, b, c], { filterKey: 'first' })?.id).toBe('b');
    strategy.pick([a, b, c], { filterKey: 'one-more' });
    // The 1025th filter evicted the cursor created first; the second one is kept.
    expect(strategy.pick([a, b, c], { filterKey: 'second' })?.id).toBe('b');
    expect(strategy.pick([a, b, c], { filterKey: 'first' })?.id).toBe('a');
  });

  it('serves a registry filter in the order the workers joined', () => {
    const { registry } = registryWith(new RoundRobin(), [
      { role: 'worker' },
      { role: 'gateway' },
      { role: 'worker' },
      { role: 'worker' },
    ]);
    expect(picks(registry, 7, 'role=worker')).toEqual(['w1', 'w3', 'w4', 'w1', 'w3', 'w4', 'w1']);
    expect(picks(registry, 5)).toEqual(['w1', 'w2', 'w3', 'w4', 'w1']);
  });
});

describe('LeastConnections', () => {
  it('prefers the idle worker', () => {
    const { registry } = registryWith(new LeastConnections(), threeWorkers);
    const busy: WorkerLease[] = [registry.selectWorker(), registry.selectWorker()];
    const busyIds = new Set(busy.map((lease) => lease.worker.id));
    const idle = ['w1', 'w2', 'w3'].find((id) => !busyIds.has(id));
    for (let call = 0; call < 5; call += 1) {
      const lease = registry.selectWorker();
      expect(lease.worker.id).toBe(idle);
      lease.release();
    }
  });

  it('balances calls held concurrently exactly', () => {
    const { registry } = registryWith(new LeastConnections(), threeWorkers);
    const leases = Array.from({ length: 99 }, () => registry.selectWorker());
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([33, 33, 33]);
    for (const lease of leases) {
      lease.release();
    }
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0, 0]);
  });
});

describe('PowerOfTwoChoices', () => {
  it('never picks the busier of two workers', () => {
    const { registry } = registryWith(new PowerOfTwoChoices({ random: createSeededRandom(3) }), [
      { role: 'worker' },
      { role: 'worker' },
    ]);
    const held = registry.selectWorker();
    for (let call = 0; call < 20; call += 1) {
      const lease = registry.selectWorker();
      expect(lease.worker.id).not.toBe(held.worker.id);
      lease.release();
    }
  });

  it('keeps the maximum load close to the mean under concurrency', () => {
    const tags = Array.from({ length: 10 }, () => ({ role: 'worker' }));
    const { registry } = registryWith(
      new PowerOfTwoChoices({ random: createSeededRandom(11) }),
      tags,
    );
    for (let call = 0; call < 1000; call += 1) {
      registry.selectWorker();
    }
    const loads = registry.workers().map((worker) => worker.inFlight);
    expect(loads.reduce((sum, load) => sum + load, 0)).toBe(1000);
    expect(Math.max(...loads)).toBeLessThanOrEqual(110);
  });
});

describe('LeastLatency', () => {
  it('sends most calls to the faster worker once latencies are known', () => {
    const { registry } = registryWith(new LeastLatency(), [{ role: 'worker' }, { role: 'worker' }]);
    const latency: Record<string, number> = { w1: 40, w2: 5 };
    const counts = new Map<string, number>();
    for (let call = 0; call < 100; call += 1) {
      const lease = registry.selectWorker();
      counts.set(lease.worker.id, (counts.get(lease.worker.id) ?? 0) + 1);
      lease.release({ latencyMs: latency[lease.worker.id] ?? 0 });
    }
    expect(counts.get('w2')).toBeGreaterThan(95);
    expect(registry.getWorker('w2')?.latency.ewmaMs).toBeCloseTo(5);
    expect(registry.getWorker('w1')?.latency.ewmaMs).toBeCloseTo(40);
  });

  it('moves load off a fast worker that is saturated', () => {
    const { registry } = registryWith(new LeastLatency(), [{ role: 'worker' }, { role: 'worker' }]);
    registry.selectWorker().release({ latencyMs: 10 });
    registry.selectWorker().release({ latencyMs: 30 });
    const fast = registry.workers().find((worker) => worker.latency.ewmaMs === 10);
    // cost = ewma * (inFlight + 1): the fast worker costs 10, then 20, then 30 against the slow 30.
    const held = [registry.selectWorker(), registry.selectWorker()];
    expect(held.map((lease) => lease.worker.id)).toEqual([fast?.id, fast?.id]);
    // At equal cost the worker with fewer calls in flight wins: the slow, idle one.
    expect(registry.selectWorker().worker.id).not.toBe(fast?.id);
  });

  it('judges large pools on a bounded window of candidates', () => {
    let reads = 0;
    const pool: Worker[] = Array.from({ length: 1000 }, (_, index) => {
      const node = makeNode(`w${index}`);
      return {
        id: node.id,
        rpcAddress: node.rpcAddress ?? '',
        tags: node.tags,
        state: node.state,
        inFlight: 0,
        node,
        get latency() {
          reads += 1;
          return {
            ewmaMs: 10 + (index % 7),
            lastMs: 10,
            minMs: 10,
            maxMs: 10,
            samples: 1,
            failures: 0,
          };
        },
      };
    });
    const strategy = new LeastLatency({ random: createSeededRandom(4), scanLimit: 16 });
    for (let call = 0; call < 50; call += 1) {
      reads = 0;
      const chosen = strategy.pick(pool);
      expect(reads).toBe(16);
      // Among any 16 consecutive workers the cheapest has ewma 10 (index % 7 === 0).
      expect(chosen?.latency.ewmaMs).toBe(10);
    }
  });
});

describe('Weighted', () => {
  it('follows the weight tags within tolerance', () => {
    const { registry } = registryWith(new Weighted({ random: createSeededRandom(2024) }), [
      { role: 'worker', weight: '1' },
      { role: 'worker', weight: '2' },
      { role: 'worker', weight: '3' },
    ]);
    const requests = 6000;
    const counts = distribution(registry, requests);
    expect((counts.get('w1') ?? 0) / requests).toBeCloseTo(1 / 6, 1);
    expect((counts.get('w2') ?? 0) / requests).toBeCloseTo(2 / 6, 1);
    expect((counts.get('w3') ?? 0) / requests).toBeCloseTo(3 / 6, 1);
    for (const [id, share] of [
      ['w1', 1 / 6],
      ['w2', 2 / 6],
      ['w3', 3 / 6],
    ] as const) {
      expect(Math.abs((counts.get(id) ?? 0) / requests - share)).toBeLessThan(0.03);
    }
  });

  it('drains weight 0 and gives unparsable weights the default', () => {
    const strategy = new Weighted({ random: createSeededRandom(5), defaultWeight: 1 });
    const { registry } = registryWith(strategy, [
      { role: 'worker', weight: '0' },
      { role: 'worker', weight: 'heavy' },
      { role: 'worker' },
    ]);
    const counts = distribution(registry, 200);
    expect(counts.get('w1')).toBeUndefined();
    expect(counts.get('w2')).toBeGreaterThan(70);
    expect(counts.get('w3')).toBeGreaterThan(70);
  });

  it('reports no worker when every weight is 0', () => {
    const { registry } = registryWith(new Weighted({ random: createSeededRandom(1) }), [
      { weight: '0' },
      { weight: '0' },
    ]);
    expect(() => registry.selectWorker()).toThrow(/no workers available.*weighted chose no worker/);
  });
});

describe('Random', () => {
  it('is reproducible with the same seed', () => {
    const first = registryWith(new Random({ random: createSeededRandom(8) }), threeWorkers);
    const second = registryWith(new Random({ random: createSeededRandom(8) }), threeWorkers);
    const picks = (registry: typeof first.registry) =>
      Array.from({ length: 20 }, () => {
        const lease = registry.selectWorker();
        lease.release();
        return lease.worker.id;
      });
    expect(picks(first.registry)).toEqual(picks(second.registry));
  });
});

// Which candidate each draw picks, for the randomized and latency strategies: a scripted random
// source makes every pick exact, so order, boundaries and tie-breaks are pinned, not just shares.
import type { RandomSource } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import {
  LeastConnections,
  LeastLatency,
  PowerOfTwoChoices,
  Random,
  RoundRobin,
  Weighted,
  type Worker,
} from '../src/index.js';
import { makeNode } from './support/fake-membership.js';

/** Returns `values` in order, then fails: a test states every draw a pick makes. */
function scripted(...values: number[]): RandomSource & { readonly left: number } {
  const queue = [...values];
  const next = () => {
    const value = queue.shift();
    if (value === undefined) throw new Error('unexpected draw from the random source');
    return value;
  };
  return Object.defineProperty(next, 'left', { get: () => queue.length }) as RandomSource & {
    readonly left: number;
  };
}

/** A random source a pick must not draw from. */
const noDraws: RandomSource = () => {
  throw new Error('unexpected draw from the random source');
};

interface WorkerSpec {
  readonly inFlight?: number;
  readonly ewmaMs?: number | undefined;
  readonly weight?: string;
}

function worker(id: string, spec: WorkerSpec = {}): Worker {
  const node = makeNode(id, {
    tags: spec.weight === undefined ? {} : { weight: spec.weight },
  });
  return {
    id,
    rpcAddress: node.rpcAddress ?? '',
    tags: node.tags,
    state: node.state,
    inFlight: spec.inFlight ?? 0,
    node,
    latency: {
      ewmaMs: spec.ewmaMs,
      lastMs: spec.ewmaMs,
      minMs: spec.ewmaMs,
      maxMs: spec.ewmaMs,
      samples: spec.ewmaMs === undefined ? 0 : 1,
      failures: 0,
    },
  };
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => worker(`w${index}`));

it('names each strategy for logs and benchmarks', () => {
  expect(
    [
      new RoundRobin(),
      new Random(),
      new LeastConnections(),
      new PowerOfTwoChoices(),
      new LeastLatency(),
      new Weighted(),
    ].map((strategy) => strategy.name),
  ).toEqual([
    'round-robin',
    'random',
    'least-connections',
    'power-of-two-choices',
    'least-latency',
    'weighted',
  ]);
});

describe('Random', () => {
  it('picks index floor(draw * count), one draw per pick', () => {
    const random = scripted(0, 0.34, 0.5, 0.999);
    const strategy = new Random({ random });
    const pool = ids(3);
    expect([0, 1, 2, 3].map(() => strategy.pick(pool)?.id)).toEqual(['w0', 'w1', 'w1', 'w2']);
    expect(random.left).toBe(0);
  });

  it('uses Math.random by default', () => {
    const pool = ids(4);
    const picked = new Set(Array.from({ length: 200 }, () => new Random().pick(pool)?.id));
    expect(picked).toEqual(new Set(['w0', 'w1', 'w2', 'w3']));
  });
});

describe('PowerOfTwoChoices', () => {
  it('draws the first index from all candidates, the second from the others', () => {
    // Loads 0, 5, 3, 0. Draws (0.25, 0.34) give indexes 1 and floor(0.34 * 3) = 1, which is at or
    // after the first, so it moves up to 2: workers 1 and 2 are compared, 2 wins with 3 calls.
    const pool = [0, 5, 3, 0].map((inFlight, index) => worker(`w${index}`, { inFlight }));
    const strategy = new PowerOfTwoChoices({ random: scripted(0.25, 0.34) });
    expect(strategy.pick(pool)?.id).toBe('w2');
  });

  it('keeps a second index below the first as drawn', () => {
    // Draws (0.5, 0.2): indexes 2 and floor(0.2 * 3) = 0; worker 0 (idle) beats worker 2.
    const pool = [0, 5, 3, 0].map((inFlight, index) => worker(`w${index}`, { inFlight }));
    expect(new PowerOfTwoChoices({ random: scripted(0.5, 0.2) }).pick(pool)?.id).toBe('w0');
    // Draws (0.75, 0.99): indexes 3 and floor(0.99 * 3) = 2, below 3 so kept: w3 beats w2.
    const busy = [1, 1, 4, 2].map((inFlight, index) => worker(`w${index}`, { inFlight }));
    expect(new PowerOfTwoChoices({ random: scripted(0.75, 0.99) }).pick(busy)?.id).toBe('w3');
  });

  it('can compare the last candidate with any other', () => {
    // Draws (0.999, 0.999) with 3 candidates: indexes 2 and floor(0.999 * 2) = 1.
    const pool = [0, 2, 1].map((inFlight, index) => worker(`w${index}`, { inFlight }));
    expect(new PowerOfTwoChoices({ random: scripted(0.999, 0.999) }).pick(pool)?.id).toBe('w2');
    // Draws (0, 0.999): indexes 0 and floor(0.999 * 2) = 1, moved up to 2.
    const last = [3, 0, 1].map((inFlight, index) => worker(`w${index}`, { inFlight }));
    expect(new PowerOfTwoChoices({ random: scripted(0, 0.999) }).pick(last)?.id).toBe('w2');
  });

  it('takes the one with fewer calls in flight, whichever was drawn first', () => {
    const pool = [worker('a', { inFlight: 2 }), worker('b', { inFlight: 1 })];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(pool)?.id).toBe('b');
    expect(new PowerOfTwoChoices({ random: scripted(0.9, 0) }).pick(pool)?.id).toBe('b');
  });

  it('breaks equal load by the lower latency EWMA, an unmeasured worker counting 0', () => {
    const fastSecond = [worker('a', { ewmaMs: 20 }), worker('b', { ewmaMs: 10 })];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(fastSecond)?.id).toBe('b');
    const fastFirst = [worker('a', { ewmaMs: 10 }), worker('b', { ewmaMs: 20 })];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(fastFirst)?.id).toBe('a');
    const unmeasuredSecond = [worker('a', { ewmaMs: 10 }), worker('b')];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(unmeasuredSecond)?.id).toBe('b');
    const unmeasuredFirst = [worker('a'), worker('b', { ewmaMs: 10 })];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(unmeasuredFirst)?.id).toBe('a');
  });

  it('keeps the first drawn at equal load and latency', () => {
    const pool = [worker('a', { ewmaMs: 10 }), worker('b', { ewmaMs: 10 })];
    expect(new PowerOfTwoChoices({ random: scripted(0, 0) }).pick(pool)?.id).toBe('a');
    expect(new PowerOfTwoChoices({ random: scripted(0.5, 0) }).pick(pool)?.id).toBe('b');
  });

  it('draws nothing for zero or one candidate', () => {
    const strategy = new PowerOfTwoChoices({ random: noDraws });
    expect(strategy.pick([])).toBeUndefined();
    expect(strategy.pick([worker('only', { inFlight: 9 })])?.id).toBe('only');
  });

  it('still returns a candidate when a random source returns 1, outside its contract', () => {
    // floor(1 * 3) = 3 is past the end: the other draw is taken alone.
    const pool = ids(3);
    expect(new PowerOfTwoChoices({ random: scripted(1, 0.5) }).pick(pool)?.id).toBe('w1');
    // Second index floor(1 * 2) = 2, moved up past the first to 3.
    expect(new PowerOfTwoChoices({ random: scripted(0, 1) }).pick(pool)?.id).toBe('w0');
  });

  it('uses Math.random by default', () => {
    const pool = ids(3);
    const picked = new Set(
      Array.from({ length: 200 }, () => new PowerOfTwoChoices().pick(pool)?.id),
    );
    expect(picked).toEqual(new Set(['w0', 'w1', 'w2']));
  });
});

describe('LeastLatency', () => {
  it('costs a worker EWMA times (in flight + 1)', () => {
    // a: 10 * 3 = 30; b: 25 * 1 = 25; c: 8 * 4 = 32. b is cheapest although a and c are faster.
    const pool = [
      worker('a', { ewmaMs: 10, inFlight: 2 }),
      worker('b', { ewmaMs: 25, inFlight: 0 }),
      worker('c', { ewmaMs: 8, inFlight: 3 }),
    ];
    expect(new LeastLatency({ random: noDraws }).pick(pool)?.id).toBe('b');
    // a: 10 * 1 = 10; b: 4 * 3 = 12.
    const idleSlow = [
      worker('b', { ewmaMs: 4, inFlight: 2 }),
      worker('a', { ewmaMs: 10, inFlight: 0 }),
    ];
    expect(new LeastLatency({ random: noDraws }).pick(idleSlow)?.id).toBe('a');
  });

  it('lets fewer calls in flight decide only at equal cost', () => {
    // a: 1 * 3 = 3 beats b: 10 * 1 = 10 although b is idle.
    const pool = [worker('a', { ewmaMs: 1, inFlight: 2 }), worker('b', { ewmaMs: 10 })];
    expect(new LeastLatency({ random: noDraws }).pick(pool)?.id).toBe('a');
  });

  it('tries unmeasured workers first, the idler of them at equal cost', () => {
    const pool = [
      worker('measured', { ewmaMs: 1 }),
      worker('busy', { inFlight: 3 }),
      worker('idle', { inFlight: 1 }),
    ];
    expect(new LeastLatency({ random: noDraws }).pick(pool)?.id).toBe('idle');
  });

  it('rotates where the scan starts, so ties go round the pool', () => {
    const strategy = new LeastLatency({ random: noDraws });
    const pool = ids(3);
    const order = Array.from({ length: 7 }, () => strategy.pick(pool)?.id);
    expect(order).toEqual(['w0', 'w1', 'w2', 'w0', 'w1', 'w2', 'w0']);
    // Equal cost and load: the first in scan order wins, so a later cheaper one still wins.
    const cheapLast = [worker('a', { ewmaMs: 5 }), worker('b', { ewmaMs: 5 }), worker('c')];
    expect(strategy.pick(cheapLast)?.id).toBe('c');
  });

  it('chooses a worker of infinite cost when it is the only one', () => {
    const pool = [worker('a', { ewmaMs: Number.POSITIVE_INFINITY })];
    expect(new LeastLatency({ random: noDraws }).pick(pool)?.id).toBe('a');
  });

  it('scans pools up to scanLimit whole, larger ones on a window at a random start', () => {
    // Exactly scanLimit candidates: scanned whole, no draw.
    const three = [worker('a', { ewmaMs: 3 }), worker('b', { ewmaMs: 2 }), worker('c')];
    expect(new LeastLatency({ random: noDraws, scanLimit: 3 }).pick(three)?.id).toBe('c');
    // Ten candidates, window of 3 from floor(0.85 * 10) = 8: indexes 8, 9, 0. Index 1 is cheaper
    // but outside the window; index 0 is the cheapest inside it.
    const ten = Array.from({ length: 10 }, (_, index) =>
      worker(`w${index}`, { ewmaMs: index === 1 ? 1 : index === 0 ? 2 : 50 }),
    );
    const random = scripted(0.85);
    expect(new LeastLatency({ random, scanLimit: 3 }).pick(ten)?.id).toBe('w0');
    expect(random.left).toBe(0);
    // From floor(0.05 * 10) = 0 the window holds index 1.
    expect(new LeastLatency({ random: scripted(0.05), scanLimit: 3 }).pick(ten)?.id).toBe('w1');
  });

  it('accepts a scanLimit of 1 and falls back to 64 for one that is not a positive integer', () => {
    const pool = [worker('a', { ewmaMs: 9 }), worker('b', { ewmaMs: 1 })];
    // A window of one at floor(0.2 * 2) = 0 sees only a.
    expect(new LeastLatency({ random: scripted(0.2), scanLimit: 1 }).pick(pool)?.id).toBe('a');
    const sixtyFour = Array.from({ length: 64 }, (_, index) =>
      worker(`w${index}`, { ewmaMs: 64 - index }),
    );
    for (const scanLimit of [0, -3, 2.5, Number.NaN]) {
      // 64 candidates are scanned whole (no draw), finding the cheapest at the end.
      expect(new LeastLatency({ random: noDraws, scanLimit }).pick(sixtyFour)?.id).toBe('w63');
    }
    expect(new LeastLatency({ random: noDraws }).pick(sixtyFour)?.id).toBe('w63');
    // 65 are judged on a window: one draw.
    const sixtyFive = [...sixtyFour, worker('w64', { ewmaMs: 100 })];
    const random = scripted(0);
    expect(new LeastLatency({ random }).pick(sixtyFive)?.id).toBe('w63');
    expect(random.left).toBe(0);
  });

  it('uses Math.random by default for large pools', () => {
    const pool = ids(10);
    const picked = new Set(
      Array.from({ length: 200 }, () => new LeastLatency({ scanLimit: 1 }).pick(pool)?.id),
    );
    expect(picked.size).toBe(10);
  });

  it('returns nothing for no candidates', () => {
    expect(new LeastLatency({ random: noDraws }).pick([])).toBeUndefined();
  });
});

describe('Weighted', () => {
  const weighted = (...weights: string[]) =>
    weights.map((weight, index) => worker(`w${index}`, { weight }));

  it('maps a draw onto the cumulative weights, a boundary belonging to the next worker', () => {
    // Weights 1, 2, 1 over a total of 4: [0, 1) -> w0, [1, 3) -> w1, [3, 4) -> w2.
    const pool = weighted('1', '2', '1');
    const draws = [0, 0.2, 0.25, 0.5, 0.74, 0.75, 0.999];
    const strategy = new Weighted({ random: scripted(...draws) });
    expect(draws.map(() => strategy.pick(pool)?.id)).toEqual([
      'w0',
      'w0',
      'w1',
      'w1',
      'w1',
      'w2',
      'w2',
    ]);
  });

  it('never picks a drained worker, even on its boundary', () => {
    // Weights 1, 0, 0, 1: a draw of exactly 0.5 lands on the drained workers' empty range.
    const pool = weighted('1', '0', '0', '1');
    const draws = [0, 0.49, 0.5, 0.999];
    const strategy = new Weighted({ random: scripted(...draws) });
    expect(draws.map(() => strategy.pick(pool)?.id)).toEqual(['w0', 'w0', 'w3', 'w3']);
    const drainedFirst = weighted('0', '3');
    expect(new Weighted({ random: scripted(0) }).pick(drainedFirst)?.id).toBe('w1');
  });

  it('searches larger pools exactly', () => {
    // Eight workers of weight 1: draw k/8 + a little lands on worker k.
    const pool = weighted('1', '1', '1', '1', '1', '1', '1', '1');
    const draws = Array.from({ length: 8 }, (_, index) => (index + 0.5) / 8);
    const strategy = new Weighted({ random: scripted(...draws) });
    expect(draws.map(() => strategy.pick(pool)?.id)).toEqual(pool.map((entry) => entry.id));
  });

  it('reads weights from the weight tag: non-negative numbers, anything else the default', () => {
    const strategy = new Weighted({ defaultWeight: 3 });
    const weightOf = (weight?: string) =>
      strategy.weightOf(worker('w', weight === undefined ? {} : { weight }));
    expect(weightOf()).toBe(3);
    expect(weightOf('')).toBe(3);
    expect(weightOf('  ')).toBe(3);
    expect(weightOf('0')).toBe(0);
    expect(weightOf('2.5')).toBe(2.5);
    expect(weightOf(' 7 ')).toBe(7);
    expect(weightOf('-1')).toBe(3);
    expect(weightOf('heavy')).toBe(3);
    expect(weightOf('Infinity')).toBe(3);
    expect(new Weighted().weightOf(worker('w'))).toBe(1);
  });

  it('accepts a default weight of 0 and replaces an invalid one with 1', () => {
    expect(new Weighted({ defaultWeight: 0 }).weightOf(worker('w'))).toBe(0);
    for (const defaultWeight of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(new Weighted({ defaultWeight }).weightOf(worker('w'))).toBe(1);
    }
    // Untagged workers drained by a default of 0: only the tagged one is chosen.
    const pool = [worker('untagged'), worker('tagged', { weight: '1' })];
    expect(new Weighted({ random: scripted(0), defaultWeight: 0 }).pick(pool)?.id).toBe('tagged');
  });

  it('picks nothing when every weight is 0, without drawing', () => {
    expect(new Weighted({ random: noDraws }).pick(weighted('0', '0'))).toBeUndefined();
    expect(new Weighted({ random: noDraws }).pick([])).toBeUndefined();
  });

  it('computes the cumulative weights once per candidate array', () => {
    let reads = 0;
    const counted = (id: string, weight: string): Worker => {
      const base = worker(id, { weight });
      return {
        ...base,
        get tags() {
          reads += 1;
          return base.tags;
        },
      };
    };
    const pool = [counted('a', '1'), counted('b', '1')];
    const strategy = new Weighted({ random: scripted(0.75, 0.25, 0.7) });
    expect(strategy.pick(pool)?.id).toBe('b');
    expect(reads).toBe(2);
    expect(strategy.pick(pool)?.id).toBe('a');
    expect(reads).toBe(2);
    // A new array (membership changed) is weighed again.
    const changed = [counted('a', '3'), counted('b', '1')];
    expect(strategy.pick(changed)?.id).toBe('a');
    expect(reads).toBe(4);
  });

  it('uses Math.random by default', () => {
    const pool = weighted('1', '1', '1');
    const strategy = new Weighted();
    const picked = new Set(Array.from({ length: 200 }, () => strategy.pick(pool)?.id));
    expect(picked).toEqual(new Set(['w0', 'w1', 'w2']));
  });
});

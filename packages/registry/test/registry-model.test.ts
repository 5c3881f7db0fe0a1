import { createSeededRandom } from '@rpcnet/base';
import { modelSeeds } from '@rpcnet/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LeastConnections,
  type LoadBalancingStrategy,
  NoWorkersAvailableError,
  PowerOfTwoChoices,
  RoundRobin,
  type WorkerLease,
  WorkerRegistry,
} from '../src/index.js';
import { FakeMembership } from './support/fake-membership.js';

// Model-based check of the registry: random membership changes and selections against a model
// of which workers exist, their state and role, and which leases are open.

type Life = 'alive' | 'suspect' | 'gone';
const IDS = ['w1', 'w2', 'w3', 'w4'] as const;
const ROLES = ['a', 'b'] as const;
const FILTERS = [undefined, 'role=a', 'role=b'] as const;

interface Model {
  readonly workers: Map<string, { life: Life; role: string }>;
  readonly leases: Array<{ lease: WorkerLease; id: string; open: boolean }>;
}

interface Real {
  readonly membership: FakeMembership;
  readonly registry: WorkerRegistry;
}

type Step = fc.Command<Model, Real>;

const live = (model: Model, id: string) => {
  const worker = model.workers.get(id);
  return worker !== undefined && worker.life !== 'gone';
};

/** After every step: in-flight counts equal the open leases, never negative, state as modelled. */
function checkInvariants(model: Model, real: Real): void {
  const listed = real.registry.workers();
  const expectedIds = IDS.filter((id) => live(model, id));
  expect(listed.map((worker) => worker.id).sort()).toEqual([...expectedIds].sort());
  for (const worker of listed) {
    const open = model.leases.filter((entry) => entry.open && entry.id === worker.id).length;
    expect(worker.inFlight, `in flight on ${worker.id}`).toBe(open);
    expect(worker.state).toBe(model.workers.get(worker.id)?.life);
    expect(worker.tags.role).toBe(model.workers.get(worker.id)?.role);
  }
}

class Join implements Step {
  constructor(
    readonly id: string,
    readonly role: string,
  ) {}
  check = (model: Model) => !live(model, this.id);
  run(model: Model, real: Real): void {
    real.membership.join(this.id, { tags: { role: this.role } });
    model.workers.set(this.id, { life: 'alive', role: this.role });
    checkInvariants(model, real);
  }
  toString = () => `join(${this.id}, ${this.role})`;
}

class Change implements Step {
  constructor(
    readonly id: string,
    readonly change: 'suspect' | 'recover' | 'fail' | 'leave',
  ) {}
  check = (model: Model) => live(model, this.id);
  run(model: Model, real: Real): void {
    const worker = model.workers.get(this.id)!;
    real.membership[this.change](this.id);
    worker.life =
      this.change === 'suspect' ? 'suspect' : this.change === 'recover' ? 'alive' : 'gone';
    checkInvariants(model, real);
  }
  toString = () => `${this.change}(${this.id})`;
}

class Retag implements Step {
  constructor(
    readonly id: string,
    readonly role: string,
  ) {}
  check = (model: Model) => live(model, this.id);
  run(model: Model, real: Real): void {
    real.membership.updateTags(this.id, { role: this.role });
    model.workers.get(this.id)!.role = this.role;
    checkInvariants(model, real);
  }
  toString = () => `retag(${this.id}, ${this.role})`;
}

class Select implements Step {
  constructor(
    readonly filter: (typeof FILTERS)[number],
    readonly exclude: readonly string[],
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const matching = IDS.filter((id) => {
      const worker = model.workers.get(id);
      if (worker === undefined || worker.life === 'gone' || this.exclude.includes(id)) return false;
      return this.filter === undefined || this.filter === `role=${worker.role}`;
    });
    const alive = matching.filter((id) => model.workers.get(id)?.life === 'alive');
    const allowed = alive.length > 0 ? alive : matching;
    if (allowed.length === 0) {
      expect(() =>
        real.registry.selectWorker(this.filter, { exclude: new Set(this.exclude) }),
      ).toThrow(NoWorkersAvailableError);
      return;
    }
    const lease = real.registry.selectWorker(this.filter, { exclude: new Set(this.exclude) });
    // Never a worker filtered out or excluded; a suspect only when no alive one matches.
    expect(allowed).toContain(lease.worker.id);
    model.leases.push({ lease, id: lease.worker.id, open: true });
    checkInvariants(model, real);
  }
  toString = () => `select(${this.filter ?? '*'}, exclude [${this.exclude.join(',')}])`;
}

class Release implements Step {
  constructor(
    readonly index: number,
    readonly outcome: 'ok' | 'failed' | 'cancelled',
  ) {}
  check = (model: Model) => model.leases.length > 0;
  run(model: Model, real: Real): void {
    const entry = model.leases[this.index % model.leases.length]!;
    const outcome =
      this.outcome === 'ok'
        ? { latencyMs: 5 }
        : this.outcome === 'failed'
          ? { failed: true }
          : { cancelled: true };
    // Released exactly once: a second release is refused and changes nothing.
    expect(entry.lease.release(outcome)).toBe(entry.open);
    expect(entry.lease.released).toBe(true);
    entry.open = false;
    checkInvariants(model, real);
  }
  toString = () => `release(#${this.index}, ${this.outcome})`;
}

const id = fc.constantFrom(...IDS);
const role = fc.constantFrom(...ROLES);
const steps = fc.commands(
  [
    fc.tuple(id, role).map(([i, r]) => new Join(i, r)),
    fc
      .tuple(
        id,
        fc.constantFrom('suspect', 'recover', 'fail', 'leave') as fc.Arbitrary<Change['change']>,
      )
      .map(([i, c]) => new Change(i, c)),
    fc.tuple(id, role).map(([i, r]) => new Retag(i, r)),
    fc
      .tuple(fc.constantFrom(...FILTERS), fc.subarray([...IDS], { maxLength: 2 }))
      .map(([f, e]) => new Select(f, e)),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom('ok', 'failed', 'cancelled') as fc.Arbitrary<Release['outcome']>,
      )
      .map(([i, o]) => new Release(i, o)),
  ],
  // Long histories: a bug may need a join, a suspicion and an exclusion in a row.
  { maxCommands: 60, size: 'large' },
);

const strategies: ReadonlyArray<[string, () => LoadBalancingStrategy]> = [
  ['RoundRobin', () => new RoundRobin()],
  ['LeastConnections', () => new LeastConnections()],
  ['PowerOfTwoChoices', () => new PowerOfTwoChoices({ random: createSeededRandom(5) })],
];

const { seeds, title } = modelSeeds();

describe(`WorkerRegistry against a model (fast-check, ${title})`, () => {
  it.each(strategies)(
    '%s: leases, in-flight counts and filters hold under any history',
    (_name, create) => {
      for (const seed of seeds) {
        fc.assert(
          fc.property(steps, (commands) => {
            const membership = new FakeMembership();
            const registry = new WorkerRegistry(membership, create());
            registry.start();
            const model: Model = { workers: new Map(), leases: [] };
            fc.modelRun(() => ({ model, real: { membership, registry } }), commands);
            registry.stop();
          }),
          { seed, numRuns: 50 },
        );
      }
    },
    60_000,
  );
});

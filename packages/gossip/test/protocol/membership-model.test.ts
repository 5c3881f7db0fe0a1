import { modelSeeds } from '@rpcnet/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeId, NodeState } from '../../src/node.js';
import { SimulatedCluster, type SimulatedNode } from '../../src/simulation/simulated-cluster.js';

// Model-based check of the membership protocol: random schedules of joins, crashes, leaves,
// partitions, heals and packet loss run in the simulator (seeded), with the SWIM invariants
// checked every 100 ms of virtual time, and agreement required once the faults stop.

/** Fewest nodes kept running, most ever started. */
const MIN_RUNNING = 2;
const MAX_NODES = 8;
/** Virtual time between invariant checks. */
const STEP_MS = 100;
/**
 * How long after the last fault (partition or loss) a running node may still be declared failed:
 * a suspicion begun under the fault can last the longest suspicion timeout (6 x 4 s with the LAN
 * preset under 10 nodes), then the verdict needs a gossip round or two to spread.
 */
const FAULT_SHADOW_MS = 30_000;
/** Once the faults stop, every running node must agree within this much virtual time. */
const AGREEMENT_BOUND_MS = 60_000;

const RANK: Record<NodeState, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** What an observer last held about a member. */
interface View {
  readonly incarnation: number;
  readonly state: NodeState;
}

interface Real {
  readonly cluster: SimulatedCluster;
  /** observer id -> member id -> the last (incarnation, state) the observer held. */
  readonly seen: Map<NodeId, Map<NodeId, View>>;
  /** Nodes leaving or gone (crashed or left): not expected alive anywhere any more. */
  readonly gone: Set<NodeId>;
  /** Virtual time of the end of the last fault; `Infinity` while one is active. */
  lastFaultAt: number;
  partitioned: boolean;
  lossRate: number;
  /** How many of each observer's events were already checked. */
  readonly eventsChecked: Map<NodeId, number>;
}

type Model = Record<string, never>;
type Step = fc.Command<Model, Real>;

const running = (real: Real) => real.cluster.running().filter((node) => !real.gone.has(node.id));

/** The SWIM invariants, checked on every running node's view. */
function checkInvariants(real: Real): void {
  const byId = new Map(real.cluster.nodes.map((node) => [node.id, node]));
  for (const observer of real.cluster.running()) {
    const views = real.seen.get(observer.id) ?? new Map<NodeId, View>();
    real.seen.set(observer.id, views);
    const records = observer.protocol.members({ includeDead: true });
    const present = new Set(records.map((record) => record.id));
    for (const id of [...views.keys()]) if (!present.has(id)) views.delete(id);
    for (const record of records) {
      const owner = byId.get(record.id);
      // Only a node raises its own incarnation: nobody holds a higher one than it announced.
      expect(
        record.incarnation,
        `${observer.id} holds ${record.id} at an incarnation it never had`,
      ).toBeLessThanOrEqual(owner?.protocol.localNode().incarnation ?? Number.POSITIVE_INFINITY);
      const before = views.get(record.id);
      if (before !== undefined) {
        // Incarnations only grow; at one incarnation the state only moves alive < suspect < dead
        // < left. So a left member never comes back alive at the incarnation it left with.
        const grew = record.incarnation > before.incarnation;
        const same = record.incarnation === before.incarnation;
        expect(
          grew || (same && RANK[record.state] >= RANK[before.state]),
          `${observer.id}'s record of ${record.id} went from ${before.state}@${before.incarnation} to ${record.state}@${record.incarnation}`,
        ).toBe(true);
      }
      views.set(record.id, { incarnation: record.incarnation, state: record.state });
    }
    // No running node is declared failed unless a fault happened within the shadow before.
    for (const { at, event } of observer.events.slice(real.eventsChecked.get(observer.id) ?? 0)) {
      if (event.type !== 'NodeFailed') continue;
      const target = byId.get(event.node.id);
      if (target?.running && !real.gone.has(target.id)) {
        expect(
          at - real.lastFaultAt,
          `${observer.id} declared the running ${target.id} failed at ${at} ms, ${at - real.lastFaultAt} ms after the last fault`,
        ).toBeLessThan(FAULT_SHADOW_MS);
      }
    }
    real.eventsChecked.set(observer.id, observer.events.length);
  }
}

/** Advances `ms` of virtual time, checking the invariants every step. */
function advance(real: Real, ms: number): void {
  for (let elapsed = 0; elapsed < ms; elapsed += STEP_MS) {
    real.cluster.clock.advance(STEP_MS);
    checkInvariants(real);
  }
}

function faultChanged(real: Real): void {
  const faulty = real.partitioned || real.lossRate > 0;
  real.lastFaultAt = faulty ? Number.POSITIVE_INFINITY : real.cluster.clock.now();
}

class Join implements Step {
  constructor(readonly via: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    if (real.cluster.nodes.length >= MAX_NODES) return;
    const seeds = running(real);
    const seed = seeds[this.via % seeds.length]!;
    const node = real.cluster.addNode();
    node.protocol.join([seed.address]).catch(() => {});
    advance(real, STEP_MS);
  }
  toString = () => `join(via #${this.via})`;
}

class Crash implements Step {
  constructor(readonly which: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    const candidates = running(real);
    if (candidates.length <= MIN_RUNNING) return;
    const node = candidates[this.which % candidates.length]!;
    real.gone.add(node.id);
    real.cluster.crash(node.id);
    advance(real, STEP_MS);
  }
  toString = () => `crash(#${this.which})`;
}

class Leave implements Step {
  constructor(readonly which: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    const candidates = running(real);
    if (candidates.length <= MIN_RUNNING) return;
    const node: SimulatedNode = candidates[this.which % candidates.length]!;
    real.gone.add(node.id);
    void node.protocol.leave();
    // leave() is done once the update went out, or after leaveTimeoutMs; then the process ends.
    advance(real, real.cluster.config.leaveTimeoutMs);
    real.cluster.crash(node.id);
    advance(real, STEP_MS);
  }
  toString = () => `leave(#${this.which})`;
}

class Partition implements Step {
  /** Bit i of `mask` puts the i-th running node on side A. */
  constructor(readonly mask: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    const nodes = real.cluster.running();
    const sideA = nodes.filter((_, index) => (this.mask >> index) & 1);
    const sideB = nodes.filter((_, index) => !((this.mask >> index) & 1));
    if (sideA.length === 0 || sideB.length === 0) return;
    real.cluster.network.partition(
      sideA.map((node) => node.address),
      sideB.map((node) => node.address),
    );
    real.partitioned = true;
    faultChanged(real);
    advance(real, STEP_MS);
  }
  toString = () => `partition(${this.mask.toString(2)})`;
}

class Heal implements Step {
  check = () => true;
  run(_model: Model, real: Real): void {
    real.cluster.network.heal();
    real.partitioned = false;
    faultChanged(real);
    advance(real, STEP_MS);
  }
  toString = () => 'heal';
}

class Loss implements Step {
  constructor(readonly rate: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    real.cluster.network.setLossRate(this.rate);
    real.lossRate = this.rate;
    faultChanged(real);
    advance(real, STEP_MS);
  }
  toString = () => `loss(${this.rate})`;
}

class Wait implements Step {
  constructor(readonly ms: number) {}
  check = () => true;
  run(_model: Model, real: Real): void {
    advance(real, this.ms);
  }
  toString = () => `wait(${this.ms})`;
}

const steps = fc.commands(
  [
    fc.nat(MAX_NODES).map((via) => new Join(via)),
    fc.nat(MAX_NODES).map((which) => new Crash(which)),
    fc.nat(MAX_NODES).map((which) => new Leave(which)),
    fc.integer({ min: 1, max: 2 ** MAX_NODES - 2 }).map((mask) => new Partition(mask)),
    fc.constant(new Heal()),
    fc.constantFrom(0, 0.05, 0.2).map((rate) => new Loss(rate)),
    fc.integer({ min: 1, max: 100 }).map((tenths) => new Wait(tenths * STEP_MS)),
  ],
  { maxCommands: 25 },
);

const { seeds, title } = modelSeeds();

describe(`gossip membership against its invariants (fast-check, ${title})`, () => {
  it('keeps incarnations, precedence and failure verdicts honest, and agrees once faults stop', () => {
    for (const seed of seeds) {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 0x7fff_ffff }), steps, (simulationSeed, commands) => {
          const cluster = new SimulatedCluster({ seed: simulationSeed });
          const real: Real = {
            cluster,
            seen: new Map(),
            gone: new Set(),
            lastFaultAt: 0,
            partitioned: false,
            lossRate: 0,
            eventsChecked: new Map(),
          };
          cluster.addNode();
          cluster.addNodes(3);
          expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(
            true,
          );
          checkInvariants(real);
          fc.modelRun(() => ({ model: {}, real }), commands);
          // The faults stop: every running node must see exactly the running nodes as alive.
          cluster.network.heal();
          cluster.network.setLossRate(0);
          real.partitioned = false;
          real.lossRate = 0;
          faultChanged(real);
          let waited = 0;
          while (!cluster.converged() && waited < AGREEMENT_BOUND_MS) {
            advance(real, STEP_MS);
            waited += STEP_MS;
          }
          expect(
            cluster.converged(),
            `no agreement ${AGREEMENT_BOUND_MS} ms after the faults stopped`,
          ).toBe(true);
          for (const node of cluster.running()) node.protocol.stop();
        }),
        { seed, numRuns: 10 },
      );
    }
  }, 120_000);
});

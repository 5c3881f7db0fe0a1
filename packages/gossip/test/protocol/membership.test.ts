import { describe, expect, it } from 'vitest';
import { encodeDatagram } from '../../src/codec.js';
import { ClusterError } from '../../src/errors.js';
import { SimulatedCluster } from '../../src/simulation/simulated-cluster.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

describe('SWIM over the simulated network', () => {
  it('converges 20 joins through one seed, every node seeing NodeJoined for every other', async () => {
    const cluster = new SimulatedCluster({ seed: 11, delayMs: 2, jitterMs: 3 });
    const seed = cluster.addNode();
    const joiners = Array.from({ length: 19 }, () => cluster.addNode());
    const joins = joiners.map((node) => node.protocol.join([seed.address]));
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
    // Every member knows everyone within a few protocol periods.
    expect(cluster.clock.now()).toBeLessThan(5000);
    const learned = await Promise.all(joins);
    expect(learned.every((count) => count >= 1)).toBe(true);
    for (const node of cluster.nodes) {
      const joined = new Set(eventsAt(node, 'NodeJoined').map((event) => event.node.id));
      expect(joined.size).toBe(19);
      expect(joined.has(node.id)).toBe(false);
    }
  });

  it('converges when each node joins through the previous one', () => {
    const cluster = new SimulatedCluster({ seed: 12 });
    let previous = cluster.addNode();
    for (let i = 0; i < 9; i++) {
      const node = cluster.addNode();
      node.protocol.join([previous.address]).catch(() => {});
      previous = node;
    }
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
  });

  it('resolves join with 0 for a first node whose only seed is itself', async () => {
    const cluster = new SimulatedCluster();
    const node = cluster.addNode();
    await expect(node.protocol.join([node.address])).resolves.toBe(0);
  });

  it('detects a crashed node: suspected, then NodeFailed at every other member', () => {
    const cluster = formCluster(12, { seed: 21 });
    const victim = cluster.nodes[4]!;
    const crashedAt = cluster.clock.now();
    cluster.crash(victim.id);
    const others = cluster.running();
    const detected = cluster.clock.runUntil(
      () => others.every((node) => stateOf(node, victim.id) === 'dead'),
      { timeoutMs: 60_000, stepMs: 100 },
    );
    expect(detected).toBe(true);
    const elapsed = cluster.clock.now() - crashedAt;
    expect(elapsed).toBeLessThan(30_000);
    for (const node of others) {
      expect(eventsAt(node, 'NodeFailed').map((event) => event.node.id)).toEqual([victim.id]);
      expect(node.protocol.members().some((member) => member.id === victim.id)).toBe(false);
    }
    expect(cluster.eventsOf('NodeSuspected').length).toBeGreaterThan(0);
  });

  it('detects a crash under 10% message loss without failing anyone else', () => {
    const cluster = formCluster(10, { seed: 22 });
    cluster.network.setLossRate(0.1);
    const victim = cluster.nodes[3]!;
    cluster.crash(victim.id);
    const others = cluster.running();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, victim.id) === 'dead'), {
        timeoutMs: 90_000,
        stepMs: 100,
      }),
    ).toBe(true);
    const failed = new Set(
      cluster
        .eventsOf('NodeFailed')
        .map((entry) => ('node' in entry.event ? entry.event.node.id : '')),
    );
    expect([...failed]).toEqual([victim.id]);
  });

  it('refutes a false suspicion: incarnation raised, NodeRecovered, never NodeFailed', () => {
    const cluster = formCluster(8, { seed: 31 });
    const [accused, accuser, witness] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    witness.protocol.handlePacket(
      encodeDatagram([{ kind: 'suspect', id: accused.id, incarnation: 0, from: accuser.id }]),
      accuser.address,
    );
    expect(stateOf(witness, accused.id)).toBe('suspect');
    expect(
      cluster.clock.runUntil(
        () =>
          cluster.nodes.every(
            (node) => node.protocol.members().find((m) => m.id === accused.id)?.incarnation === 1,
          ) && cluster.converged(),
        { timeoutMs: 30_000 },
      ),
    ).toBe(true);
    cluster.clock.advance(60_000);
    expect(cluster.eventsOf('NodeFailed')).toEqual([]);
    expect(eventsAt(witness, 'NodeRecovered', accused.id)).toHaveLength(1);
    expect(accused.protocol.metrics().selfRefutations).toBe(1);
    expect(accused.protocol.localNode().incarnation).toBe(1);
    expect(witness.protocol.metrics().suspicionsRefuted).toBeGreaterThanOrEqual(1);
  });

  it('refutes an accusation at a higher incarnation with one above it, accepted everywhere', () => {
    const cluster = formCluster(6, { seed: 33 });
    const [accused, accuser, witness] = cluster.nodes as [
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
      (typeof cluster.nodes)[0],
    ];
    // The accusation names incarnation 5 while the accused is at 0: only 6 can override it.
    witness.protocol.handlePacket(
      encodeDatagram([{ kind: 'suspect', id: accused.id, incarnation: 5, from: accuser.id }]),
      accuser.address,
    );
    expect(stateOf(witness, accused.id)).toBe('suspect');
    const at = (node: (typeof cluster.nodes)[0]) =>
      node.protocol.members().find((member) => member.id === accused.id);
    expect(
      cluster.clock.runUntil(
        () =>
          cluster.nodes.every((node) => at(node)?.state === 'alive' && at(node)?.incarnation === 6),
        { timeoutMs: 30_000 },
      ),
    ).toBe(true);
    expect(accused.protocol.localNode().incarnation).toBe(6);
    expect(accused.protocol.metrics().selfRefutations).toBe(1);
    expect(eventsAt(witness, 'NodeRecovered', accused.id).map((e) => e.node.incarnation)).toEqual([
      6,
    ]);
    cluster.clock.advance(60_000);
    expect(cluster.eventsOf('NodeFailed')).toEqual([]);
  });

  it('refutes a false death: the node comes back with NodeJoined everywhere', () => {
    const cluster = formCluster(6, { seed: 32 });
    const [victim, liar] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    liar.protocol.handlePacket(
      encodeDatagram([{ kind: 'dead', id: victim.id, incarnation: 0, from: liar.id }]),
      victim.address,
    );
    expect(eventsAt(liar, 'NodeFailed', victim.id)).toHaveLength(1);
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
    expect(victim.protocol.localNode().incarnation).toBeGreaterThanOrEqual(1);
    // Joined once when the cluster formed, once more after the refutation.
    const joins = eventsAt(liar, 'NodeJoined', victim.id);
    expect(joins).toHaveLength(2);
    expect(joins[1]?.node.incarnation).toBe(1);
    expect(victim.protocol.metrics().selfRefutations).toBe(1);
  });

  it('announces a graceful leave as NodeLeft, not NodeFailed', async () => {
    const cluster = formCluster(10, { seed: 41 });
    const leaver = cluster.nodes[6]!;
    const leaving = leaver.protocol.leave();
    const started = cluster.clock.now();
    let left = false;
    void leaving.then(() => {
      left = true;
    });
    cluster.clock.advance(500);
    await leaving;
    expect(left).toBe(true);
    leaver.protocol.stop();
    leaver.running = false;
    await leaver.transport.close();
    const others = cluster.running();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, leaver.id) === 'left'), {
        timeoutMs: 10_000,
      }),
    ).toBe(true);
    expect(cluster.clock.now() - started).toBeLessThan(5000);
    cluster.clock.advance(60_000);
    expect(cluster.eventsOf('NodeFailed')).toEqual([]);
    for (const node of others) {
      expect(eventsAt(node, 'NodeLeft').map((event) => event.node.id)).toEqual([leaver.id]);
      expect(node.protocol.members().map((member) => member.id)).not.toContain(leaver.id);
    }
  });

  it('finishes a leave without waiting for its timeout when the retransmit limit is below the fanout', async () => {
    // retransmitMultiplier 2 with 4 live nodes allows 2 sends of the Left update; fanout is 3.
    const cluster = formCluster(4, {
      seed: 43,
      config: { retransmitMultiplier: 2, gossipFanout: 3, leaveTimeoutMs: 2000 },
    });
    const leaver = cluster.nodes[1]!;
    const started = cluster.clock.now();
    let resolvedAt: number | undefined;
    void leaver.protocol.leave().then(() => {
      resolvedAt = cluster.clock.now();
    });
    cluster.clock.advance(900);
    // Let the promise callbacks run (virtual time does not move meanwhile).
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(resolvedAt).toBeDefined();
    expect(resolvedAt! - started).toBeLessThan(1000);
  });

  it('propagates tags: NodeUpdated everywhere and tag queries see the change', () => {
    const cluster = formCluster(10, { seed: 51 });
    const worker = cluster.nodes[2]!;
    const taggedAt = cluster.clock.now();
    worker.protocol.setTags({ role: 'worker', zone: 'eu' });
    expect(eventsAt(worker, 'NodeUpdated', worker.id)).toHaveLength(1);
    const others = cluster.nodes.filter((node) => node !== worker);
    expect(
      cluster.clock.runUntil(
        () =>
          others.every(
            (node) => node.protocol.nodesByTag({ role: 'worker', zone: 'eu' })[0]?.id === worker.id,
          ),
        { timeoutMs: 10_000 },
      ),
    ).toBe(true);
    // Carried by the gossip epidemic (200 ms rounds), not by a later full-state exchange (30 s).
    expect(cluster.clock.now() - taggedAt).toBeLessThan(1000);
    for (const node of others) {
      const [update] = eventsAt(node, 'NodeUpdated', worker.id);
      expect(update?.node.tags).toEqual({ role: 'worker', zone: 'eu' });
      expect(update?.previous.tags).toEqual({});
      expect(node.protocol.nodesByTag({ role: 'gateway' })).toEqual([]);
    }
  });

  it('rejects join with JOIN_FAILED after joinTimeoutMs, retrying with backoff', async () => {
    const cluster = new SimulatedCluster({ config: { joinTimeoutMs: 5000 } });
    const node = cluster.addNode();
    const failure = node.protocol.join(['10.9.9.9:7946']).catch((error: unknown) => error);
    cluster.clock.advance(5000);
    const error = await failure;
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as ClusterError).code).toBe('JOIN_FAILED');
    // 250, 500, 1000, 2000 ms backoff: attempts at 0, 250, 750, 1750, 3750 (the reconnect
    // loop may add one more push to the absent seed).
    const attempts = cluster.network.stats().unreachable;
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(6);
  });

  it('joins a seed that comes up after the first attempts', async () => {
    const cluster = new SimulatedCluster({ seed: 61 });
    const early = cluster.addNode();
    const joining = early.protocol.join(['10.0.99.1:7946']);
    cluster.clock.advance(1000);
    const late = cluster.addNode({ address: '10.0.99.1:7946' });
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 10_000 })).toBe(true);
    await expect(joining).resolves.toBe(1);
    expect(stateOf(early, late.id)).toBe('alive');
  });

  it('lets a restarted node (same address, new id) rejoin while its old identity fails', () => {
    const cluster = formCluster(6, { seed: 71 });
    const old = cluster.nodes[5]!;
    cluster.crash(old.id);
    const fresh = cluster.addNode({ address: old.address });
    fresh.protocol.join([cluster.nodes[0]!.address]).catch(() => {});
    const others = cluster.running().filter((node) => node !== fresh);
    expect(
      cluster.clock.runUntil(
        () => cluster.converged() && others.every((node) => stateOf(node, old.id) === 'dead'),
        { timeoutMs: 60_000, stepMs: 100 },
      ),
    ).toBe(true);
    expect(others[0]!.protocol.metrics().members.alive).toBe(6);
  });

  it('spreads the new tags of a node restarted under its id before anyone saw it fail', () => {
    const cluster = formCluster(5, { seed: 72 });
    const id = cluster.nodes[4]!.id;
    cluster.crash(id);
    // Back at once (incarnation 0, as the old process was) with new tags: only a refutation of
    // the others' record of the old process, alive@0 with no tags, can make them take it.
    const back = cluster.restart(id, { tags: { version: '2' } });
    back.protocol.join([cluster.nodes[0]!.address]).catch(() => {});
    const others = cluster.running().filter((node) => node !== back);
    const record = (node: (typeof others)[number]) =>
      node.protocol.members().find((member) => member.id === id);
    expect(
      cluster.clock.runUntil(() => others.every((node) => record(node)?.tags.version === '2'), {
        timeoutMs: 30_000,
        stepMs: 100,
      }),
    ).toBe(true);
    expect(back.protocol.localNode().incarnation).toBeGreaterThan(0);
    for (const node of others)
      expect(record(node)?.incarnation).toBe(back.protocol.localNode().incarnation);
    expect(cluster.eventsOf('NodeFailed')).toEqual([]);
  });

  it('lets a node restarted under its id after it was declared failed come back above its death', () => {
    const cluster = formCluster(5, { seed: 73 });
    const id = cluster.nodes[4]!.id;
    cluster.nodes[4]!.protocol.setTags({ version: '1' });
    cluster.nodes[4]!.protocol.setTags({ version: '2' });
    expect(
      cluster.clock.runUntil(
        () =>
          cluster
            .running()
            .every((node) => node.protocol.members().find((m) => m.id === id)?.incarnation === 2),
        { timeoutMs: 10_000 },
      ),
    ).toBe(true);
    cluster.crash(id);
    const others = cluster.running();
    expect(
      cluster.clock.runUntil(() => others.every((node) => stateOf(node, id) === 'dead'), {
        timeoutMs: 60_000,
        stepMs: 100,
      }),
    ).toBe(true);
    const back = cluster.restart(id);
    expect(back.protocol.localNode()).toMatchObject({ incarnation: 0, tags: { version: '2' } });
    back.protocol.join([cluster.nodes[0]!.address]).catch(() => {});
    expect(cluster.clock.runUntil(() => cluster.converged(), { timeoutMs: 30_000 })).toBe(true);
    // Dead at 2, so only alive at 3 or above brings it back.
    expect(back.protocol.localNode().incarnation).toBe(3);
    for (const node of others)
      expect(eventsAt(node, 'NodeJoined', id).at(-1)?.node.incarnation).toBe(3);
  });

  it('sends nothing after stop() and rejects a pending join with STOPPED', async () => {
    const cluster = formCluster(4, { seed: 81 });
    const node = cluster.nodes[1]!;
    const pending = node.protocol.join(['10.9.9.9:7946']).catch((error: unknown) => error);
    node.protocol.stop();
    expect(((await pending) as ClusterError).code).toBe('STOPPED');
    const sentBefore = node.protocol.metrics().datagramsOut;
    cluster.clock.advance(30_000);
    expect(node.protocol.metrics().datagramsOut).toBe(sentBefore);
    await expect(node.protocol.join(['10.0.0.1:7946'])).rejects.toMatchObject({
      code: 'NOT_STARTED',
    });
    expect(() => node.protocol.start()).toThrow(ClusterError);
  });
});

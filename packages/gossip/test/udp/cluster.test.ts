import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import type { ClusterConfigInput } from '../../src/config.js';
import { ClusterError } from '../../src/errors.js';
import type { ClusterEvent } from '../../src/events.js';
import { fastLoopbackConfig } from './fast-config.js';

const running: Cluster[] = [];

async function startNode(overrides: ClusterConfigInput = {}): Promise<Cluster> {
  const cluster = await Cluster.create(fastLoopbackConfig(overrides));
  running.push(cluster);
  return cluster;
}

/** Starts `count` nodes and joins them all through the first; waits until each sees all. */
async function startCluster(count: number, overrides: ClusterConfigInput = {}): Promise<Cluster[]> {
  const seed = await startNode(overrides);
  const nodes = [seed];
  for (let i = 1; i < count; i += 1) nodes.push(await startNode(overrides));
  await Promise.all(nodes.slice(1).map((node) => node.join([seed.localNode().gossipAddress])));
  await waitFor(() => nodes.every((node) => aliveIds(node).length === count), {
    timeoutMs: 10_000,
    message: 'convergence',
  });
  return nodes;
}

const aliveIds = (cluster: Cluster): string[] =>
  cluster
    .members()
    .filter((member) => member.state === 'alive')
    .map((member) => member.id)
    .sort();

/** Records every event a node emits. */
function record(cluster: Cluster): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  cluster.onEvent((event) => events.push(event));
  return events;
}

const sawNode = (events: ClusterEvent[], type: ClusterEvent['type'], id: string): boolean =>
  events.some((event) => event.type === type && 'node' in event && event.node.id === id);

afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
});

describe('Cluster over real UDP on 127.0.0.1', { timeout: 30_000 }, () => {
  it('forms a 3-node cluster in which every node sees the same members', async () => {
    const nodes = await startCluster(3);
    const ids = nodes.map((node) => node.id).sort();
    for (const node of nodes) expect(aliveIds(node)).toEqual(ids);
    expect(nodes[0]!.metrics().messagesIn).toBeGreaterThan(0);
  });

  it('detects a stopped node as failed on every other node', async () => {
    const [a, b, c] = await startCluster(3);
    const eventsA = record(a!);
    const eventsB = record(b!);
    await c!.stop();
    await waitFor(
      () => sawNode(eventsA, 'NodeFailed', c!.id) && sawNode(eventsB, 'NodeFailed', c!.id),
      { timeoutMs: 15_000, message: 'NodeFailed on both survivors' },
    );
    expect(aliveIds(a!)).toEqual([a!.id, b!.id].sort());
    expect(sawNode(eventsA, 'NodeLeft', c!.id)).toBe(false);
  });

  it('reports a graceful leave as NodeLeft, not as a failure', async () => {
    const [a, b, c] = await startCluster(3);
    const eventsA = record(a!);
    const eventsB = record(b!);
    await c!.leave();
    expect(c!.running).toBe(false);
    await waitFor(
      () => sawNode(eventsA, 'NodeLeft', c!.id) && sawNode(eventsB, 'NodeLeft', c!.id),
      { timeoutMs: 10_000, message: 'NodeLeft on both survivors' },
    );
    expect(sawNode(eventsA, 'NodeFailed', c!.id)).toBe(false);
    expect(a!.members({ includeDead: true }).find((m) => m.id === c!.id)?.state).toBe('left');
  });

  it('lets a node restarted on the same address rejoin', async () => {
    const [a, , c] = await startCluster(3);
    const address = c!.localNode().gossipAddress;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    await c!.stop();
    await waitFor(() => !aliveIds(a!).includes(c!.id), {
      timeoutMs: 15_000,
      message: 'old incarnation gone',
    });
    const restarted = await startNode({ gossipPort: port });
    expect(restarted.localNode().gossipAddress).toBe(address);
    await restarted.join([a!.localNode().gossipAddress]);
    await waitFor(() => aliveIds(a!).includes(restarted.id), {
      timeoutMs: 10_000,
      message: 'restarted node alive',
    });
    await waitFor(() => aliveIds(restarted).length === 3, {
      timeoutMs: 10_000,
      message: 'restarted node sees all',
    });
  });

  it('lets the same member, restarted after it was declared failed, rejoin', async () => {
    const [a, , c] = await startCluster(3);
    const eventsA = record(a!);
    await c!.stop();
    await waitFor(() => sawNode(eventsA, 'NodeFailed', c!.id), {
      timeoutMs: 15_000,
      message: 'NodeFailed',
    });
    await c!.start();
    await c!.join([a!.localNode().gossipAddress]);
    await waitFor(() => aliveIds(a!).includes(c!.id), {
      timeoutMs: 10_000,
      message: 'restarted member alive again',
    });
    expect(a!.members().find((m) => m.id === c!.id)!.incarnation).toBeGreaterThan(0);
  });

  it('starts and stops repeatedly without leaking sockets or timers', async () => {
    const seed = await startNode();
    const handles = (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
      return counts;
    };
    const before = handles();
    const cycler = new Cluster(fastLoopbackConfig());
    for (let round = 0; round < 5; round += 1) {
      await cycler.start();
      await cycler.join([seed.localNode().gossipAddress]);
      expect(cycler.running).toBe(true);
      await cycler.stop();
      expect(cycler.running).toBe(false);
    }
    await cycler.stop();
    await waitFor(() => (handles().UDPWRAP ?? 0) === (before.UDPWRAP ?? 0), {
      message: 'sockets to be released',
    });
    // The seed keeps running its own timers; a stopped member must add none that stay.
    await waitFor(() => (handles().Timeout ?? 0) <= (before.Timeout ?? 0) + 1, {
      message: 'timers to be released',
    });
  });

  it('a stop issued while starting waits for the socket and releases it', async () => {
    const node = new Cluster(fastLoopbackConfig());
    const starting = node.start();
    await node.stop();
    await starting;
    expect(node.running).toBe(false);
    await node.start();
    expect(node.running).toBe(true);
    await node.stop();
  });

  it('refuses a second start and operations on a stopped node', async () => {
    const node = await startNode();
    await expect(node.start()).rejects.toMatchObject({ code: 'ALREADY_STARTED' });
    await node.stop();
    await expect(node.join(['127.0.0.1:1'])).rejects.toBeInstanceOf(ClusterError);
    await expect(node.join(['127.0.0.1:1'])).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });

  it('reports bind failures as BIND_FAILED', async () => {
    const first = await startNode();
    const address = first.localNode().gossipAddress;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    await expect(Cluster.create(fastLoopbackConfig({ gossipPort: port }))).rejects.toMatchObject({
      code: 'BIND_FAILED',
    });
  });

  it('propagates tag changes as NodeUpdated and answers nodesByTag', async () => {
    const [a, b] = await startCluster(2);
    const eventsA = record(a!);
    b!.setTag('role', 'worker');
    await waitFor(() => a!.nodesByTag({ role: 'worker' }).length === 1, {
      timeoutMs: 10_000,
      message: 'tag to spread',
    });
    expect(a!.nodesByTag({ role: 'worker' })[0]!.id).toBe(b!.id);
    expect(sawNode(eventsA, 'NodeUpdated', b!.id)).toBe(true);
    b!.removeTag('role');
    await waitFor(() => a!.nodesByTag({ role: 'worker' }).length === 0, {
      timeoutMs: 10_000,
      message: 'tag removal',
    });
  });

  it('delivers events through subscribe() and the emitter form, ending on stop', async () => {
    const a = await startNode();
    const events = a.subscribe();
    const joinedIds: string[] = [];
    a.on('NodeJoined', (event) => joinedIds.push(event.node.id));
    const b = await startNode();
    await b.join([a.localNode().gossipAddress]);
    const first = await events.next();
    expect(first.value).toMatchObject({ type: 'NodeJoined', node: { id: b.id } });
    await waitFor(() => joinedIds.includes(b.id), { message: 'emitter NodeJoined' });
    await a.stop();
    const rest: ClusterEvent[] = [];
    for await (const event of events) rest.push(event);
    expect(await events.next()).toEqual({ done: true, value: undefined });
    // Each form saw b join exactly once; whatever else came before the stop was about b.
    expect(joinedIds).toEqual([b.id]);
    expect(rest.filter((event) => event.type === 'NodeJoined')).toEqual([]);
    expect(rest.filter((event) => !('node' in event) || event.node.id !== b.id)).toEqual([]);
  });
});

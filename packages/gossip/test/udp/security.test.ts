import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import { encodeDatagram } from '../../src/codec.js';
import type { ClusterConfigInput } from '../../src/config.js';
import { Keyring } from '../../src/keyring.js';
import { SecureTransport } from '../../src/secure-transport.js';
import { UdpTransport } from '../../src/udp-transport.js';
import { fastLoopbackConfig } from './fast-config.js';

const SECRET = 'cluster-secret-2f8a6c1d9e0b4a7f';
const running: Cluster[] = [];
const sockets: UdpTransport[] = [];

async function startNode(overrides: ClusterConfigInput = {}): Promise<Cluster> {
  const cluster = await Cluster.create(fastLoopbackConfig(overrides));
  running.push(cluster);
  return cluster;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

const totalDrops = (cluster: Cluster): number =>
  Object.values(cluster.metrics().drops).reduce((sum, count) => sum + count, 0);

describe('encrypted gossip over real UDP', { timeout: 30_000 }, () => {
  it('forms a cluster when every node holds the secret', async () => {
    const a = await startNode({ secret: SECRET });
    const b = await startNode({ secret: SECRET });
    expect(await b.join([a.localNode().gossipAddress])).toBeGreaterThanOrEqual(1);
    await waitFor(() => a.members().length === 2 && b.members().length === 2, {
      timeoutMs: 10_000,
      message: 'pair',
    });
  });

  it('rejects a node with a wrong key: its join fails and it never becomes a member', async () => {
    const a = await startNode({ secret: SECRET });
    const b = await startNode({ secret: SECRET });
    await b.join([a.localNode().gossipAddress]);
    const intruder = await startNode({ secret: 'some-other-secret', joinTimeoutMs: 1500 });
    await expect(intruder.join([a.localNode().gossipAddress])).rejects.toMatchObject({
      code: 'JOIN_FAILED',
    });
    expect(a.members().map((m) => m.id)).not.toContain(intruder.id);
    expect(a.metrics().drops['unknown-key'] ?? 0).toBeGreaterThan(0);
    expect(intruder.members().map((m) => m.id)).toEqual([intruder.id]);
  });

  it('a node without the key cannot inject state, sealed or in plaintext', async () => {
    const a = await startNode({ secret: SECRET });
    const b = await startNode({ secret: SECRET });
    await b.join([a.localNode().gossipAddress]);
    await waitFor(() => a.members().length === 2, { timeoutMs: 10_000, message: 'pair' });
    const forgery = encodeDatagram([
      { kind: 'dead', id: b.id, incarnation: 1_000, from: 'attacker' },
      {
        kind: 'alive',
        id: 'ghost-node',
        incarnation: 1,
        gossipAddress: '127.0.0.1:9',
        tags: { role: 'worker' },
      },
    ]);
    const socket = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    sockets.push(socket);
    const wrongKey = new SecureTransport(socket, Keyring.fromSecret('guessed-secret'));
    const before = totalDrops(a);
    for (let i = 0; i < 20; i += 1) {
      socket.send(a.localNode().gossipAddress, forgery);
      wrongKey.send(a.localNode().gossipAddress, forgery);
    }
    await waitFor(() => totalDrops(a) - before >= 40, {
      message: 'forged datagrams to be dropped',
    });
    expect(
      a
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    expect(a.members().find((m) => m.id === b.id)?.state).toBe('alive');
    expect(a.nodesByTag({ role: 'worker' })).toEqual([]);
  });

  it('keeps working through a key rotation', async () => {
    const a = await startNode({ secret: SECRET });
    const b = await startNode({ secret: SECRET });
    await b.join([a.localNode().gossipAddress]);
    const next = Keyring.deriveKey('next-secret-6b1e0c');
    for (const node of [a, b]) node.keyring!.addKey(next);
    for (const node of [a, b]) node.keyring!.useKey(next);
    for (const node of [a, b]) node.keyring!.removeKey(Keyring.deriveKey(SECRET));
    const late = await startNode({ secret: 'next-secret-6b1e0c' });
    await late.join([a.localNode().gossipAddress]);
    await waitFor(() => a.members().length === 3 && b.members().length === 3, {
      timeoutMs: 10_000,
      message: 'trio',
    });
  });
});

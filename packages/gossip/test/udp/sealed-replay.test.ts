import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import type { ClusterConfig } from '../../src/config.js';
import type { PacketTransport } from '../../src/transport.js';
import { UdpTransport } from '../../src/udp-transport.js';
import { fastLoopbackConfig } from './fast-config.js';

const SECRET = 'cluster-secret-2f8a6c1d9e0b4a7f';

/** One sealed datagram as it left a member's socket. */
interface Capture {
  readonly to: string;
  readonly data: Uint8Array;
}

/** A UDP transport that keeps a copy of every datagram it sends (already sealed). */
async function recordingTransport(
  config: ClusterConfig,
  captures: Capture[],
): Promise<PacketTransport> {
  const inner = await UdpTransport.bind({
    host: config.bindAddr,
    port: config.gossipPort,
    maxDatagramBytes: config.maxDatagramBytes,
  });
  return {
    localAddress: inner.localAddress,
    onPacket: (handler) => inner.onPacket(handler),
    send: (to, data) => {
      captures.push({ to, data: Uint8Array.from(data) });
      inner.send(to, data);
    },
    close: () => inner.close(),
  };
}

const running: Cluster[] = [];
const sockets: UdpTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

async function sealedMember(captures: Capture[]): Promise<Cluster> {
  const cluster = await Cluster.create(fastLoopbackConfig({ secret: SECRET }), {
    openTransport: (config) => recordingTransport(config, captures),
  });
  running.push(cluster);
  return cluster;
}

const drops = (cluster: Cluster, reason: string): number => cluster.metrics().drops[reason] ?? 0;
const view = (cluster: Cluster): string[] =>
  cluster
    .members({ includeDead: true })
    .map((member) => `${member.id}:${member.state}:${member.incarnation}`)
    .sort();

const ids = (records: readonly string[] | Cluster): string[] =>
  (Array.isArray(records) ? records : view(records as Cluster)).map(
    (record) => record.split(':')[0]!,
  );
const recordOf = (records: readonly string[], id: string): string | undefined =>
  records.find((record) => record.startsWith(`${id}:`));

describe('sealed gossip is bound to its receiver and its time', { timeout: 40_000 }, () => {
  it('datagrams captured in a 3-member cluster change nothing when replayed to a fourth node or to the members', async () => {
    const captures: Capture[] = [];
    const a = await sealedMember(captures);
    const b = await sealedMember(captures);
    const c = await sealedMember(captures);
    const seed = a.localNode().gossipAddress;
    await b.join([seed]);
    await c.join([seed]);
    await waitFor(() => [a, b, c].every((member) => member.members().length === 3), {
      timeoutMs: 10_000,
      message: 'three members',
    });
    // Gossip for a while, then C leaves: joins, probes, gossip, push-pull and a leave captured.
    const afterJoin = captures.length;
    await waitFor(() => captures.length >= afterJoin + 30, {
      timeoutMs: 10_000,
      message: 'probes and gossip captured',
    });
    await c.leave();
    await waitFor(() => a.members().length === 2 && b.members().length === 2, {
      timeoutMs: 10_000,
      message: 'C gone from A and B',
    });
    expect(captures.length).toBeGreaterThan(20);

    // A fourth node with the cluster's key that is not a member.
    const d = await Cluster.create(fastLoopbackConfig({ secret: SECRET }));
    running.push(d);
    const attacker = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    sockets.push(attacker);
    const before = { a: view(a), b: view(b), d: view(d) };
    const dAddress = d.localNode().gossipAddress;
    for (const { data } of captures) attacker.send(dAddress, data);
    // And each captured datagram once more to A and B (the receiver it was sealed for included).
    for (const { data } of captures) {
      attacker.send(a.localNode().gossipAddress, data);
      attacker.send(b.localNode().gossipAddress, data);
    }
    const replayed = captures.length;
    await waitFor(() => drops(d, 'wrong-destination') >= replayed, {
      timeoutMs: 10_000,
      message: 'every replay dropped at D',
    });
    await waitFor(
      () =>
        drops(a, 'wrong-destination') +
          drops(a, 'replay') +
          drops(a, 'stale') +
          drops(b, 'wrong-destination') +
          drops(b, 'replay') +
          drops(b, 'stale') >=
        2 * replayed,
      { timeoutMs: 10_000, message: 'every replay dropped at A and B' },
    );
    // Nothing learned anywhere: D knows only itself; A and B know the same members, and C's
    // record (which the captured alive and gossip messages describe) is untouched. The live
    // members' own records are left out: on a loaded machine A and B may suspect each other and
    // refute for real, which raises an incarnation without any replay.
    expect(view(d)).toEqual(before.d);
    expect(d.members().map((member) => member.id)).toEqual([d.id]);
    expect(ids(a)).toEqual(ids(before.a));
    expect(ids(b)).toEqual(ids(before.b));
    expect(recordOf(view(a), c.id)).toEqual(recordOf(before.a, c.id));
    expect(recordOf(view(b), c.id)).toEqual(recordOf(before.b, c.id));
    expect(a.members().map((member) => member.id)).not.toContain(c.id);
    expect(b.members().map((member) => member.id)).not.toContain(c.id);
  });
});

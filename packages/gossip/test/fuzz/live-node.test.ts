import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import { decodeDatagram, encodeDatagram } from '../../src/codec.js';
import type { PacketTransport } from '../../src/transport.js';
import { UdpTransport } from '../../src/udp-transport.js';
import { fastLoopbackConfig } from '../udp/fast-config.js';
import { SEED_MESSAGES } from './corpus.js';
import { mutate, randomBytes, seededRandom } from './mutations.js';

/** A transport whose receive handler the test drives directly; sends go nowhere. */
class InjectableTransport implements PacketTransport {
  readonly localAddress = '10.9.9.9:7946';
  handler: ((data: Uint8Array, from: string) => void) | undefined;
  onPacket(handler: (data: Uint8Array, from: string) => void): void {
    this.handler = handler;
  }
  send(): void {}
  async close(): Promise<void> {}
}

const running: Cluster[] = [];
const sockets: UdpTransport[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});

const decodes = (bytes: Uint8Array): boolean => {
  try {
    decodeDatagram(bytes);
    return true;
  } catch {
    return false;
  }
};

const seeds = SEED_MESSAGES.map((messages) => encodeDatagram(messages));
const dropTotal = (drops: Readonly<Record<string, number>>): number =>
  Object.values(drops).reduce((sum, count) => sum + count, 0);

/** 5,000 hostile inputs: random bytes, then stacked mutations of valid datagrams. */
function* hostileInputs(seed: number): Generator<Uint8Array> {
  const random = seededRandom(seed);
  for (let i = 0; i < 1500; i += 1) yield randomBytes(random, Math.floor(random() * 1400));
  for (let i = 0; i < 3500; i += 1) {
    let bytes = seeds[i % seeds.length]!;
    for (let rounds = 1 + Math.floor(random() * 3); rounds > 0; rounds -= 1) {
      bytes = mutate(random, bytes, seeds[Math.floor(random() * seeds.length)]!);
    }
    yield bytes;
  }
}

describe('a live node under hostile input', { timeout: 30_000 }, () => {
  it('receive path: 5,000 random and mutated datagrams never throw and are counted', async () => {
    const transport = new InjectableTransport();
    const node = await Cluster.create(fastLoopbackConfig(), {
      openTransport: async () => transport,
    });
    running.push(node);
    const before = dropTotal(node.metrics().drops);
    let delivered = 0;
    let undecodable = 0;
    for (const bytes of hostileInputs(0xf022)) {
      if (!decodes(bytes)) undecodable += 1;
      expect(() => transport.handler!(bytes, '10.0.0.66:4000')).not.toThrow();
      delivered += 1;
    }
    const metrics = node.metrics();
    expect(delivered).toBe(5000);
    expect(metrics.datagramsIn).toBeGreaterThanOrEqual(5000);
    // Every input the decoder refuses is counted as a drop (valid mutants may be dropped too).
    expect(undecodable).toBeGreaterThan(1500);
    expect(dropTotal(metrics.drops) - before).toBeGreaterThanOrEqual(undecodable);
    expect(node.running).toBe(true);
    expect(node.localNode().state).toBe('alive');
  });

  it('over encrypted UDP: garbage is dropped as unauthenticated and the node keeps working', async () => {
    const a = await Cluster.create(fastLoopbackConfig({ secret: 'fuzz-secret-0c5e' }));
    const b = await Cluster.create(fastLoopbackConfig({ secret: 'fuzz-secret-0c5e' }));
    running.push(a, b);
    await b.join([a.localNode().gossipAddress]);
    const attacker = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    sockets.push(attacker);
    const target = a.localNode().gossipAddress;
    const before = dropTotal(a.metrics().drops);
    let sent = 0;
    for (const bytes of hostileInputs(0xf023)) {
      if (sent >= 2000) break;
      attacker.send(target, bytes);
      sent += 1;
      // Small bursts, so the kernel's receive buffer never discards what must be counted.
      if (sent % 20 === 0) {
        const expected = sent;
        await waitFor(() => dropTotal(a.metrics().drops) - before >= expected, {
          message: 'burst drops',
        });
      }
    }
    expect(dropTotal(a.metrics().drops) - before).toBe(2000);
    const drops = a.metrics().drops;
    expect((drops['malformed-envelope'] ?? 0) + (drops['unknown-key'] ?? 0)).toBeGreaterThan(0);
    expect(
      a
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
    expect(a.members().every((m) => m.state === 'alive')).toBe(true);
  });
});

import { createSeededRandom, type RandomSource } from '@rpcnet/base';
import {
  encodeDatagram,
  type GossipMessage,
  SECURE_OVERHEAD_BYTES,
  type TransportDropReason,
} from '@rpcnet/gossip/protocol';
import { seedFromEnv, waitFor } from '@rpcnet/test-utils';
import { Cluster, type ClusterNode, Keyring, localClusterConfig, NodeState } from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import {
  flipBits,
  pick,
  randomBytes,
  randomInt,
  truncate,
} from '../fixtures/faults/byte-mutations.js';
import { DatagramSealer } from '../fixtures/faults/datagram-sealer.js';
import { GossipProber } from '../fixtures/faults/gossip-prober.js';
import { mib, settledHeapBytes } from '../fixtures/faults/heap.js';
import { UdpSender } from '../fixtures/faults/udp-sender.js';

const SEED = seedFromEnv('RPCNET_FAULTS_SEED', 9);
/** Development-only secret for this suite's clusters. */
const SECRET = 'fault-suite secret: gossip sealed with AES-256-GCM';
/** Largest datagram a member accepts (the `localClusterConfig()` default); more is oversized. */
const MAX_DATAGRAM_BYTES = 1400;
/** Fuzz passes after the warm-up pass. */
const PASSES = 5;
/**
 * Heap growth allowed over the measured passes, after full collections. It covers the replay
 * guard remembering every authentic nonce for its 120 s window (~0.2 MiB here); a leak per
 * datagram (~10,500 of them) would exceed it.
 */
const HEAP_GROWTH_BOUND_BYTES = 16 * 1024 * 1024;

/** Three members on 127.0.0.1, joined, with every `NodeFailed` any of them reports. */
async function startTrio(secret: string | undefined, cleanups: Array<() => Promise<void>>) {
  const config = (seedNodes: string[]) =>
    localClusterConfig({ gossipPort: 0, seedNodes, ...(secret ? { secret } : {}) });
  const first = await Cluster.create(config([]));
  cleanups.push(() => first.stop());
  const seed = first.localNode().gossipAddress;
  const members = [first];
  for (let index = 0; index < 2; index += 1) {
    const member = await Cluster.create(config([seed]));
    cleanups.push(() => member.stop());
    await member.join();
    members.push(member);
  }
  const failures: string[] = [];
  for (const member of members) {
    member.on('NodeFailed', ({ node }) => failures.push(node.id));
  }
  const allAlive = () =>
    members.every(
      (member) => member.members().filter((node) => node.state === NodeState.Alive).length === 3,
    );
  await waitFor(allAlive, { timeoutMs: 15_000, message: 'three members alive everywhere' });
  return { members, failures, allAlive };
}

/** Messages whose damaged copies cannot name a real member: probes and their answers. */
function probeMessages(random: RandomSource, targetId: string): GossipMessage[] {
  const seq = randomInt(random, 1, 2 ** 31);
  return [
    { kind: 'ping', seq, from: 'fuzzer', target: targetId },
    { kind: 'ack', seq, from: 'fuzzer' },
    { kind: 'nack', seq, from: 'fuzzer' },
  ];
}

/** Valid plaintext datagrams of one to three probe messages. */
function validDatagrams(random: RandomSource, targetId: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    // No larger than a member packs them, so the sealed datagram fits the limit.
    for (;;) {
      const messages = probeMessages(random, targetId);
      const datagram = encodeDatagram(messages.slice(0, randomInt(random, 1, messages.length)));
      if (datagram.byteLength <= MAX_DATAGRAM_BYTES - SECURE_OVERHEAD_BYTES) return datagram;
    }
  });
}

/** Datagrams over the size limit, up to a few times it. */
function oversized(random: RandomSource, count: number): Uint8Array[] {
  return Array.from({ length: count }, () =>
    randomBytes(random, randomInt(random, MAX_DATAGRAM_BYTES + 1, 4 * MAX_DATAGRAM_BYTES)),
  );
}

/** Drop reasons a member counts: its transports' and its protocol's (undecodable and so on). */
type DropReason = TransportDropReason | 'decode' | 'misaddressed' | 'handler-error';

/** Datagrams refused by the transports, before the protocol decodes anything. */
const REFUSED: readonly DropReason[] = [
  'malformed-envelope',
  'unknown-key',
  'auth',
  'stale',
  'replay',
  'wrong-destination',
  'oversize',
];

/** Sum of the drop counters named. */
function dropsOf(member: Cluster, reasons: readonly DropReason[]): number {
  const drops = member.metrics().drops;
  return reasons.reduce((sum, reason) => sum + (drops[reason] ?? 0), 0);
}

describe(`fuzzing live gossip members over UDP with malformed datagrams (seed ${SEED})`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('drops random, truncated, oversized, bit-flipped, replayed, stale and wrong-key datagrams of a sealed cluster', async () => {
    const { members, failures, allAlive } = await startTrio(SECRET, cleanups);
    const target = members[0]!;
    const targetNode: ClusterNode = target.localNode();
    const keyring = Keyring.fromSecret(SECRET);
    const address = targetNode.gossipAddress;
    const sealer = new DatagramSealer(keyring, address);
    const staleSealer = new DatagramSealer(keyring, address, () => Date.now() - 10 * 60_000);
    const wrongKeySealer = new DatagramSealer(
      Keyring.fromSecret('not the cluster secret'),
      address,
    );
    // Authentic datagrams sealed for another member: what a capture replayed here looks like.
    const otherMemberSealer = new DatagramSealer(keyring, members[1]!.localNode().gossipAddress);
    const sender = await UdpSender.open();
    cleanups.push(() => sender.close());
    const prober = await GossipProber.open(keyring);
    cleanups.push(() => prober.close());
    const random = createSeededRandom(SEED);

    const pass = async (round: number) => {
      const before = target.metrics().drops;
      const count = (reason: DropReason) =>
        (target.metrics().drops[reason] ?? 0) - (before[reason] ?? 0);
      const rejectedBefore = dropsOf(target, REFUSED);
      const valid = () => validDatagrams(random, targetNode.id, 1)[0]!;
      const outsiders = [
        // Random bytes, empty datagrams included.
        ...Array.from({ length: 300 }, () => randomBytes(random, randomInt(random, 0, 1400))),
        // Authentic datagrams cut short, and with bits flipped anywhere (header, nonce, tag).
        ...Array.from({ length: 300 }, () => truncate(random, sealer.seal(valid()))),
        ...Array.from({ length: 300 }, () =>
          flipBits(random, sealer.seal(valid()), randomInt(random, 1, 4)),
        ),
      ];
      const tooBig = oversized(random, 100);
      const wrongKey = Array.from({ length: 200 }, () => wrongKeySealer.seal(valid()));
      const stale = Array.from({ length: 100 }, () => staleSealer.seal(valid()));
      const original = sealer.seal(valid());
      const replays = Array.from({ length: 200 }, () => original);
      const misdirected = Array.from({ length: 200 }, () => otherMemberSealer.seal(valid()));
      // Insiders: sealed with the right key, but the plaintext is damaged or garbage.
      const insiders = [
        ...Array.from({ length: 200 }, () =>
          // Up to what a member's protocol accepts once the seal is off.
          sealer.seal(
            randomBytes(random, randomInt(random, 1, MAX_DATAGRAM_BYTES - SECURE_OVERHEAD_BYTES)),
          ),
        ),
        ...Array.from({ length: 200 }, () => sealer.seal(truncate(random, valid()))),
        ...Array.from({ length: 200 }, () =>
          sealer.seal(flipBits(random, valid(), randomInt(random, 1, 4))),
        ),
      ];
      await sender.send(address, [original]);
      const all = [
        ...outsiders,
        ...tooBig,
        ...wrongKey,
        ...stale,
        ...replays,
        ...misdirected,
        ...insiders,
      ];
      // Shuffled, so every kind meets the node in every state of its buffers.
      for (let index = all.length - 1; index > 0; index -= 1) {
        const other = randomInt(random, 0, index);
        [all[index], all[other]] = [all[other]!, all[index]!];
      }
      await sender.send(address, all);
      const expectedRejected =
        outsiders.length +
        tooBig.length +
        wrongKey.length +
        stale.length +
        replays.length +
        misdirected.length;
      await waitFor(() => dropsOf(target, REFUSED) - rejectedBefore >= expectedRejected, {
        timeoutMs: 15_000,
        message: () =>
          `pass ${round}: ${expectedRejected} rejected datagrams counted ` +
          `(${dropsOf(target, REFUSED) - rejectedBefore} so far: ${JSON.stringify(target.metrics().drops)})`,
      });
      expect(count('oversize')).toBe(tooBig.length);
      expect(count('unknown-key')).toBeGreaterThanOrEqual(wrongKey.length);
      expect(count('stale')).toBe(stale.length);
      expect(count('replay')).toBe(replays.length);
      expect(count('wrong-destination')).toBe(misdirected.length);
      expect(count('decode')).toBeGreaterThan(0);
      expect(count('handler-error')).toBe(0);
      // Still serving: a normal probe is answered, and every member still sees all three alive.
      await prober.probe(targetNode.id, address);
      await waitFor(allAlive, {
        timeoutMs: 10_000,
        message: `pass ${round}: all members alive everywhere`,
      });
      return all.length + 1;
    };

    let sent = await pass(0);
    const heapBefore = await settledHeapBytes();
    for (let round = 1; round <= PASSES; round += 1) sent += await pass(round);
    const heapAfter = await settledHeapBytes();
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
    expect(failures).toEqual([]);
    for (const member of members) await prober.probe(member.id, member.localNode().gossipAddress);
    console.log(
      `faults/gossip-fuzz (sealed): ${sent} datagrams, drops ${JSON.stringify(target.metrics().drops)}, ` +
        `heap ${mib(heapBefore)} -> ${mib(heapAfter)} (bound +${mib(HEAP_GROWTH_BOUND_BYTES)})`,
    );
  });

  it('drops random, truncated, oversized and bit-flipped datagrams of an unsealed cluster', async () => {
    const { members, failures, allAlive } = await startTrio(undefined, cleanups);
    const target = members[0]!;
    const targetNode = target.localNode();
    const sender = await UdpSender.open();
    cleanups.push(() => sender.close());
    const prober = await GossipProber.open();
    cleanups.push(() => prober.close());
    const random = createSeededRandom(SEED + 1);
    const before = target.metrics().drops;
    const count = (reason: DropReason) =>
      (target.metrics().drops[reason] ?? 0) - (before[reason] ?? 0);

    const valid = validDatagrams(random, targetNode.id, 600);
    const garbage = Array.from({ length: 600 }, () =>
      pick(random, [
        // Random bytes that start like a datagram, so the decoder gets past the first byte.
        () => Uint8Array.of(0x08, 0x01, ...randomBytes(random, randomInt(random, 0, 600))),
        () => randomBytes(random, randomInt(random, 0, 1400)),
      ])(),
    );
    const damaged = [
      ...valid.slice(0, 300).map((datagram) => truncate(random, datagram)),
      ...valid.slice(300).map((datagram) => flipBits(random, datagram, randomInt(random, 1, 4))),
    ];
    const tooBig = oversized(random, 100);
    await sender.send(targetNode.gossipAddress, [...garbage, ...damaged, ...tooBig]);
    await waitFor(
      () => count('oversize') === tooBig.length && count('decode') >= garbage.length / 2,
      {
        timeoutMs: 15_000,
        message: () =>
          `oversized and undecodable datagrams counted (${JSON.stringify(target.metrics().drops)})`,
      },
    );
    expect(count('handler-error')).toBe(0);
    await prober.probe(targetNode.id, targetNode.gossipAddress);
    await waitFor(allAlive, { timeoutMs: 10_000, message: 'all members alive everywhere' });
    expect(failures).toEqual([]);
    console.log(
      `faults/gossip-fuzz (unsealed): ${garbage.length + damaged.length + tooBig.length} datagrams, ` +
        `drops ${JSON.stringify(target.metrics().drops)}`,
    );
  });
});

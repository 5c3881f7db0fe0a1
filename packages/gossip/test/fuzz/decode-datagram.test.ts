import { describe, expect, it } from 'vitest';
import { DECODE_LIMITS, decodeDatagram, encodeDatagram } from '../../src/codec.js';
import { DecodeError } from '../../src/errors.js';
import type { GossipMessage } from '../../src/messages.js';
import { SEED_MESSAGES } from './corpus.js';
import { mutate, randomBytes, seededRandom } from './mutations.js';

const KINDS = new Set([
  'ping',
  'ack',
  'indirect-ping',
  'nack',
  'alive',
  'suspect',
  'dead',
  'left',
  'push-pull',
  'digest',
]);

/** Decodes one input; returns what happened, failing the test on any throw but a DecodeError. */
function decodeOutcome(bytes: Uint8Array): 'decoded' | 'rejected' {
  try {
    const messages = decodeDatagram(bytes);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) assertWellFormed(message);
    return 'decoded';
  } catch (error) {
    if (!(error instanceof DecodeError)) {
      throw new Error(
        `decodeDatagram threw ${String(error)} for ${Buffer.from(bytes).toString('hex')}`,
      );
    }
    return 'rejected';
  }
}

/** What a decoded message must satisfy whatever bytes it came from. */
function assertWellFormed(message: GossipMessage): void {
  expect(KINDS.has(message.kind)).toBe(true);
  const ids = [
    'from' in message ? message.from : undefined,
    'id' in message ? message.id : undefined,
    'target' in message ? message.target : undefined,
  ].filter((id): id is string => id !== undefined);
  for (const id of ids) {
    expect(id.length).toBeGreaterThan(0);
    expect(id.length).toBeLessThanOrEqual(DECODE_LIMITS.maxIdLength);
  }
  if ('incarnation' in message) expect(Number.isInteger(message.incarnation)).toBe(true);
  if ('tags' in message) {
    expect(Object.keys(message.tags).length).toBeLessThanOrEqual(DECODE_LIMITS.maxTags);
  }
  if (message.kind === 'push-pull') {
    for (const member of message.members) {
      expect(['alive', 'suspect', 'dead', 'left']).toContain(member.state);
    }
    for (const bucket of message.wantBuckets ?? []) {
      expect(bucket).toBeLessThan(message.bucketCount ?? 0);
    }
  }
  if (message.kind === 'digest') {
    expect(message.checksums).toHaveLength(message.bucketCount);
    expect(message.bucketCount).toBeLessThanOrEqual(DECODE_LIMITS.maxDigestBuckets);
  }
}

const seeds = SEED_MESSAGES.map((messages) => encodeDatagram(messages));

describe('decodeDatagram under fuzzing', () => {
  it('round-trips every seed datagram', () => {
    SEED_MESSAGES.forEach((messages, index) => {
      const decoded = decodeDatagram(seeds[index]!);
      expect(decoded).toHaveLength(messages.length);
      expect(decoded.map((message) => message.kind)).toEqual(messages.map((m) => m.kind));
    });
  });

  it('rejects or decodes 3,000 random byte strings without any other throw', () => {
    const random = seededRandom(0x5eed_0001);
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 3000; i += 1) {
      const length = i < 64 ? i : Math.floor(random() * 1500);
      outcomes[decodeOutcome(randomBytes(random, length))] += 1;
    }
    expect(outcomes.rejected).toBeGreaterThan(2500);
    expect(outcomes.decoded + outcomes.rejected).toBe(3000);
  });

  it('survives every truncation of every seed datagram', () => {
    let cases = 0;
    for (const seed of seeds) {
      for (let length = 0; length < seed.length; length += 1) {
        decodeOutcome(seed.subarray(0, length));
        cases += 1;
      }
    }
    expect(cases).toBeGreaterThan(300);
    expect(decodeOutcome(new Uint8Array(0))).toBe('rejected');
  });

  it('survives every single-bit flip of every seed datagram', () => {
    let cases = 0;
    for (const seed of seeds) {
      for (let bit = 0; bit < seed.length * 8; bit += 1) {
        const flipped = Uint8Array.from(seed);
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        decodeOutcome(flipped);
        cases += 1;
      }
    }
    expect(cases).toBeGreaterThan(2000);
  });

  it('survives 10,000 stacked mutations of the seed datagrams', () => {
    const random = seededRandom(0x5eed_0002);
    const outcomes = { decoded: 0, rejected: 0 };
    for (let i = 0; i < 10_000; i += 1) {
      let bytes = seeds[i % seeds.length]!;
      for (let rounds = 1 + Math.floor(random() * 3); rounds > 0; rounds -= 1) {
        bytes = mutate(random, bytes, seeds[Math.floor(random() * seeds.length)]!);
      }
      outcomes[decodeOutcome(bytes)] += 1;
    }
    // Both paths are exercised: some mutants stay valid, most are refused.
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it('refuses datagrams that exceed the decode limits', () => {
    const longId = 'x'.repeat(DECODE_LIMITS.maxIdLength + 1);
    expect(decodeOutcome(encodeDatagram([{ kind: 'ack', seq: 1, from: longId }]))).toBe('rejected');
    const manyTags = Object.fromEntries(
      Array.from({ length: DECODE_LIMITS.maxTags + 1 }, (_, i) => [`k${i}`, 'v']),
    );
    const alive: GossipMessage = {
      kind: 'alive',
      id: 'n',
      incarnation: 1,
      gossipAddress: 'h:1',
      tags: manyTags,
    };
    expect(decodeOutcome(encodeDatagram([alive]))).toBe('rejected');
  });
});

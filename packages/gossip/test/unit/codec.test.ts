import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  assembleDatagram,
  DATAGRAM_HEADER_BYTES,
  DECODE_LIMITS,
  decodeDatagram,
  encodeDatagram,
  encodedMemberSize,
  encodedMessageSize,
  encodeMember,
  encodeMessage,
  encodePushPull,
} from '../../src/codec.js';
import { DecodeError } from '../../src/errors.js';
import type { GossipMessage, MemberRecord, PushPullMessage } from '../../src/messages.js';
import { ID_A, ID_B, SUSPECT_MEMBER } from '../wire-compat/samples.js';

const member = SUSPECT_MEMBER;

const EVERY_KIND: GossipMessage[] = [
  { kind: 'ping', seq: 1, from: ID_A, target: ID_B },
  { kind: 'ack', seq: 4_294_967_295, from: ID_B },
  { kind: 'indirect-ping', seq: 2, from: ID_A, target: ID_B, targetAddress: '10.0.0.2:7946' },
  { kind: 'nack', seq: 2, from: ID_B },
  {
    kind: 'alive',
    id: ID_A,
    incarnation: 3,
    gossipAddress: '10.0.0.1:7946',
    rpcAddress: '10.0.0.1:9000',
    tags: { role: 'worker', zone: 'eu-1' },
  },
  { kind: 'suspect', id: ID_B, incarnation: 4, from: ID_A },
  { kind: 'dead', id: ID_B, incarnation: 4, from: ID_A },
  { kind: 'left', id: ID_A, incarnation: 5 },
  {
    kind: 'push-pull',
    from: ID_A,
    join: true,
    reply: false,
    first: true,
    last: false,
    members: [member, { ...member, id: ID_A, state: 'left', rpcAddress: undefined, tags: {} }],
  },
  {
    kind: 'push-pull',
    from: ID_B,
    join: false,
    reply: true,
    first: true,
    last: true,
    members: [member],
    bucketCount: 9,
    wantBuckets: [0, 4, 8],
  },
  { kind: 'digest', from: ID_A, bucketCount: 3, checksums: new Uint32Array([0, 1, 4_294_967_295]) },
  {
    kind: 'digest',
    from: ID_B,
    bucketCount: 2,
    checksums: new Uint32Array([7, 8]),
    answerFingerprints: true,
  },
  {
    kind: 'push-pull',
    from: ID_B,
    join: false,
    reply: true,
    first: true,
    last: false,
    members: [],
    bucketCount: 16,
    wantBuckets: [3, 15],
    fingerprints: new Uint32Array([0, 1, 4_294_967_295]),
  },
  {
    kind: 'push-pull',
    from: ID_A,
    join: false,
    reply: true,
    first: true,
    last: true,
    members: [],
    bucketCount: 16,
    wantBuckets: [],
    wantFingerprints: new Uint32Array([42, 2_147_483_648]),
  },
];

/** A push-pull from A carrying `members` (and a digest when given). */
const pushPull = (
  members: MemberRecord[],
  digest?: { bucketCount: number; wantBuckets: number[] },
): GossipMessage => ({
  kind: 'push-pull',
  from: ID_A,
  join: false,
  reply: false,
  first: true,
  last: true,
  members,
  ...digest,
});

describe('codec', () => {
  it('round-trips every message kind, several in one datagram', () => {
    const decoded = decodeDatagram(encodeDatagram(EVERY_KIND));
    expect(decoded).toEqual(EVERY_KIND);
  });

  it('round-trips each message kind alone', () => {
    for (const message of EVERY_KIND) {
      expect(decodeDatagram(encodeDatagram([message]))).toEqual([message]);
    }
  });

  it('predicts the exact encoded size of a datagram from its messages', () => {
    const predicted = EVERY_KIND.reduce(
      (sum, message) => sum + encodedMessageSize(message),
      DATAGRAM_HEADER_BYTES,
    );
    expect(encodeDatagram(EVERY_KIND).length).toBe(predicted);
    const pushPull = EVERY_KIND[8]!;
    expect(encodedMemberSize(member)).toBeGreaterThan(10);
    expect(encodedMessageSize(pushPull)).toBeGreaterThan(2 * encodedMemberSize(member));
  });

  it('assembles pre-encoded messages into the same bytes as encodeDatagram', () => {
    // The push-pull body exceeds 127 bytes, so its length prefix takes two varint bytes.
    expect(encodeMessage(EVERY_KIND[8]!).length).toBeGreaterThan(127);
    const same = (a: Uint8Array, b: Uint8Array): void => expect([...a]).toEqual([...b]);
    same(assembleDatagram(EVERY_KIND.map(encodeMessage)), encodeDatagram(EVERY_KIND));
    same(assembleDatagram([]), encodeDatagram([]));
  });

  it('keeps a typical probe with piggybacked updates under 1 KB', () => {
    const updates: GossipMessage[] = Array.from({ length: 8 }, (_, i) => ({
      kind: 'alive',
      id: `${ID_A.slice(0, 19)}${String(i).padStart(2, '0')}`,
      incarnation: i,
      gossipAddress: `10.0.0.${i}:7946`,
      rpcAddress: `10.0.0.${i}:9000`,
      tags: { role: 'worker' },
    }));
    const bytes = encodeDatagram([{ kind: 'ping', seq: 9, from: ID_A, target: ID_B }, ...updates]);
    expect(bytes.length).toBeLessThan(1024);
  });

  it('rejects bytes that are not protobuf with a DecodeError', () => {
    expect(() => decodeDatagram(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      DecodeError,
    );
  });

  it('rejects a truncated datagram', () => {
    const bytes = encodeDatagram(EVERY_KIND);
    expect(() => decodeDatagram(bytes.subarray(0, bytes.length - 3))).toThrow(DecodeError);
  });

  it('rejects an empty datagram and one of another protocol version', () => {
    expect(() => decodeDatagram(new Uint8Array(0))).toThrow(/version/);
    const bytes = encodeDatagram([EVERY_KIND[0]!]);
    const otherVersion = bytes.slice();
    otherVersion[1] = 2;
    expect(() => decodeDatagram(otherVersion)).toThrow(/unsupported protocol version 2/);
    expect(() => decodeDatagram(new Uint8Array([0x08, 0x01]))).toThrow(/no message/);
  });

  it('rejects messages with missing or oversized fields', () => {
    expect(() =>
      decodeDatagram(encodeDatagram([{ kind: 'ping', seq: 1, from: '', target: ID_B }])),
    ).toThrow(/from is empty/);
    const longId = 'x'.repeat(65);
    expect(() => decodeDatagram(encodeDatagram([{ kind: 'ack', seq: 1, from: longId }]))).toThrow(
      /longer than 64/,
    );
    const manyTags = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(() =>
      decodeDatagram(
        encodeDatagram([
          { kind: 'alive', id: ID_A, incarnation: 0, gossipAddress: 'h:1', tags: manyTags },
        ]),
      ),
    ).toThrow(/too many tags/);
  });

  it('rejects an unknown member state', () => {
    const bytes = encodeDatagram([pushPull([member])]);
    // The member's incarnation (field 2 = 7) is followed by its state (field 3 = 1, suspect).
    const index = Buffer.from(bytes).indexOf(Buffer.from([0x10, 0x07, 0x18, 0x01]));
    expect(index).toBeGreaterThan(0);
    const mutated = bytes.slice();
    mutated[index + 3] = 9;
    expect(() => decodeDatagram(mutated)).toThrow(/unknown member state 9/);
  });
});

describe('codec revision 2', () => {
  it('encodes a full-state push-pull exactly as revision 1 did (no digest fields)', () => {
    const fullState = EVERY_KIND.find(
      (message) => message.kind === 'push-pull' && message.bucketCount === undefined,
    )!;
    const envelope = protobuf.Reader.create(encodeMessage(fullState));
    expect(envelope.uint32() >>> 3).toBe(9); // the pushPull field of the envelope
    const body = protobuf.Reader.create(envelope.bytes());
    const fields: number[] = [];
    while (body.pos < body.len) {
      const tag = body.uint32();
      fields.push(tag >>> 3);
      body.skipType(tag & 7);
    }
    // Revision 1's fields only (1-6), no digest fields (7, 8). The `false` flags, reply (3) and
    // last (5), are absent: proto3 leaves defaults out, and every decoder reads them as false
    // (test/wire-compat pins that against protobufjs 7.6.6, which wrote them).
    expect(new Set(fields)).toEqual(new Set([1, 2, 4, 6]));
  });

  it('rejects a digest whose checksums do not match its bucket count', () => {
    const digest = encodeDatagram([
      { kind: 'digest', from: ID_A, bucketCount: 2, checksums: new Uint32Array([1, 2]) },
    ]);
    expect(() => decodeDatagram(digest)).not.toThrow();
    const lying = encodeDatagram([
      { kind: 'digest', from: ID_A, bucketCount: 2, checksums: new Uint32Array([1, 2, 3]) },
    ]);
    expect(() => decodeDatagram(lying)).toThrow(DecodeError);
  });
});

describe('codec limits, each at its edge', () => {
  const decodes = (messages: GossipMessage[]): GossipMessage[] =>
    decodeDatagram(encodeDatagram(messages));
  const alive = (tags: Record<string, string>, gossipAddress = 'h:1'): GossipMessage => ({
    kind: 'alive',
    id: ID_A,
    incarnation: 1,
    gossipAddress,
    tags,
  });

  it('decodes an alive without an RPC address as one without', () => {
    const [decoded] = decodes([alive({})]);
    expect(decoded).toEqual(alive({}));
    expect(decoded).not.toHaveProperty('rpcAddress', expect.anything());
  });

  it('takes ids of up to 64 characters and refuses an empty gossip address', () => {
    const longest = 'x'.repeat(DECODE_LIMITS.maxIdLength);
    expect(decodes([{ kind: 'ack', seq: 1, from: longest }])).toEqual([
      { kind: 'ack', seq: 1, from: longest },
    ]);
    expect(() => decodes([alive({}, '')])).toThrow(/^gossipAddress is empty$/);
  });

  it('takes 64 tags with keys and values of 256 characters, and nothing beyond', () => {
    const most = Object.fromEntries(
      Array.from({ length: DECODE_LIMITS.maxTags }, (_, i) => [`k${i}`, 'v']),
    );
    expect(decodes([alive(most)])).toEqual([alive(most)]);
    const edge = {
      ['k'.repeat(DECODE_LIMITS.maxTagKeyLength)]: 'v'.repeat(DECODE_LIMITS.maxTagValueLength),
    };
    expect(decodes([alive(edge)])).toEqual([alive(edge)]);
    expect(() =>
      decodes([alive({ ['k'.repeat(DECODE_LIMITS.maxTagKeyLength + 1)]: 'v' })]),
    ).toThrow(/^bad tag key$/);
    expect(() => decodes([alive({ '': 'v' })])).toThrow(/^bad tag key$/);
    expect(() =>
      decodes([alive({ zone: 'v'.repeat(DECODE_LIMITS.maxTagValueLength + 1) })]),
    ).toThrow(/^bad value of tag zone$/);
  });

  it('takes 1,024 messages in a datagram, not 1,025', () => {
    const ack: GossipMessage = { kind: 'ack', seq: 1, from: ID_A };
    const most = Array.from({ length: DECODE_LIMITS.maxMessagesPerDatagram }, () => ack);
    expect(decodes(most)).toHaveLength(DECODE_LIMITS.maxMessagesPerDatagram);
    expect(() => decodes([...most, ack])).toThrow(/^too many messages$/);
  });

  it('takes 10,000 members in a push-pull, not 10,001', () => {
    const most = Array.from({ length: DECODE_LIMITS.maxMembersPerPushPull }, () => member);
    const [decoded] = decodes([pushPull(most)]);
    expect(decoded?.kind === 'push-pull' && decoded.members.length).toBe(
      DECODE_LIMITS.maxMembersPerPushPull,
    );
    expect(() => decodes([pushPull([...most, member])])).toThrow(/^too many members$/);
  });

  it('takes 4,096 digest buckets, not 4,097 nor none', () => {
    const digest = (bucketCount: number): GossipMessage => ({
      kind: 'digest',
      from: ID_A,
      bucketCount,
      checksums: new Uint32Array(bucketCount),
    });
    expect(decodes([digest(DECODE_LIMITS.maxDigestBuckets)])).toEqual([
      digest(DECODE_LIMITS.maxDigestBuckets),
    ]);
    expect(() => decodes([digest(DECODE_LIMITS.maxDigestBuckets + 1)])).toThrow(
      /^too many digest buckets$/,
    );
    expect(() => decodes([digest(0)])).toThrow(/^digest has no bucket$/);
    expect(() =>
      decodes([{ kind: 'digest', from: ID_A, bucketCount: 2, checksums: new Uint32Array(3) }]),
    ).toThrow(/^checksums do not match bucketCount$/);
  });

  it('takes wanted buckets below the bucket count, at most as many as there are', () => {
    const every = pushPull([member], { bucketCount: 3, wantBuckets: [0, 1, 2] });
    expect(decodes([every])).toEqual([every]);
    expect(() => decodes([pushPull([member], { bucketCount: 3, wantBuckets: [3] })])).toThrow(
      /^wanted bucket out of range$/,
    );
    expect(() =>
      decodes([pushPull([member], { bucketCount: 3, wantBuckets: [0, 1, 2, 2] })]),
    ).toThrow(/^more wanted buckets than buckets$/);
  });

  it('takes fingerprints as whole uint32s within a digest exchange, at most 10,000 of them', () => {
    const answer = (fields: Partial<PushPullMessage>): GossipMessage => ({
      ...(pushPull([], { bucketCount: 4, wantBuckets: [1] }) as PushPullMessage),
      reply: true,
      ...fields,
    });
    const most = answer({
      fingerprints: new Uint32Array(DECODE_LIMITS.maxMembersPerPushPull),
      wantFingerprints: new Uint32Array(DECODE_LIMITS.maxMembersPerPushPull).fill(9),
    });
    expect(decodes([most])).toEqual([most]);
    expect(() =>
      decodes([answer({ fingerprints: new Uint32Array(DECODE_LIMITS.maxMembersPerPushPull + 1) })]),
    ).toThrow(/^too many fingerprints$/);
    expect(() =>
      decodes([{ ...pushPull([]), wantFingerprints: new Uint32Array([1]) } as GossipMessage]),
    ).toThrow(/^fingerprints outside a digest exchange$/);
    // Five bytes in the fingerprints field (10) of a push-pull with a bucket count.
    const body = [0x0a, 1, 0x41, 0x38, 4, 0x4a, 5, 1, 2, 3, 4, 5];
    const datagram = Uint8Array.from([0x08, 1, 0x12, body.length + 2, 0x4a, body.length, ...body]);
    expect(() => decodeDatagram(datagram)).toThrow(/^fingerprints is not whole uint32s$/);
  });

  it('refuses an envelope without a body, and names bytes that are not protobuf', () => {
    // Version 1, then one empty message.
    expect(() => decodeDatagram(new Uint8Array([0x08, 0x01, 0x12, 0x00]))).toThrow(
      /^envelope has no body$/,
    );
    const error = (() => {
      try {
        decodeDatagram(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]));
      } catch (caught) {
        return caught as DecodeError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DecodeError);
    expect(error?.message).toMatch(/^not a gossip datagram: .+/);
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('frames a message of exactly 127 and of 128 bytes as encodeDatagram does', () => {
    // An ack's encoding grows by one byte per character of `from`: find the lengths that give
    // a 127-byte body (one length byte) and a 128-byte one (two).
    const ackOf = (length: number): GossipMessage => ({
      kind: 'ack',
      seq: 1,
      from: 'f'.repeat(length),
    });
    const withBody = (bytes: number): GossipMessage => {
      for (let length = 1; length < 200; length++) {
        if (encodeMessage(ackOf(length)).length === bytes) return ackOf(length);
      }
      throw new Error(`no ack encodes to ${bytes} bytes`);
    };
    for (const bytes of [127, 128]) {
      const message = withBody(bytes);
      expect([...assembleDatagram([encodeMessage(message)])]).toEqual([
        ...encodeDatagram([message]),
      ]);
      expect(encodedMessageSize(message)).toBe(1 + (bytes === 127 ? 1 : 2) + bytes);
    }
  });

  it('counts the exact bytes one member adds to a push-pull', () => {
    // Two and three members: both bodies take a two-byte length prefix in the envelope.
    const two = encodeMessage(pushPull([member, member])).length;
    const three = encodeMessage(pushPull([member, member, member])).length;
    expect(encodedMemberSize(member)).toBe(three - two);
  });

  it('builds the bytes of any push-pull from its members encoded one by one', () => {
    const members: MemberRecord[] = [
      member,
      { ...member, id: ID_A, incarnation: 0, state: 'alive', rpcAddress: undefined, tags: {} },
      { ...member, tags: { zone: 'zürich', k: 'v'.repeat(200) } },
    ];
    const flags = [false, true];
    let checked = 0;
    for (const join of flags)
      for (const reply of flags)
        for (const first of flags)
          for (const last of flags)
            for (const count of [0, 1, 3, 70])
              for (const digest of [
                undefined,
                { bucketCount: 1, wantBuckets: [] },
                { bucketCount: 4096, wantBuckets: [0, 127, 128, 4095] },
                {
                  bucketCount: 8,
                  wantBuckets: [1],
                  fingerprints: new Uint32Array([0, 2 ** 32 - 1]),
                },
                { bucketCount: 8, wantFingerprints: new Uint32Array(40).fill(2 ** 31) },
              ]) {
                const message = {
                  kind: 'push-pull',
                  from: count === 3 ? 'ñode-ü' : ID_B,
                  join,
                  reply,
                  first,
                  last,
                  members: Array.from({ length: count }, (_, i) => members[i % 3]!),
                  ...digest,
                } as const;
                const built = encodePushPull(message, message.members.map(encodeMember));
                expect([...built]).toEqual([...encodeMessage(message)]);
                checked++;
              }
    expect(checked).toBe(320);
  });

  it('counts a member field by field as the encoder writes it, whatever its content', () => {
    const variants: MemberRecord[] = [
      { ...member, incarnation: 0, rpcAddress: undefined, tags: {} },
      { ...member, incarnation: 127, state: 'alive' },
      { ...member, incarnation: 128, state: 'left' },
      { ...member, incarnation: 4_294_967_295, state: 'dead' },
      { ...member, rpcAddress: '', tags: { '': '' } },
      { ...member, tags: { zone: 'zürich-1', rôle: '工作者', emoji: '🛰️' } },
      // An address and tags long enough for two-byte length prefixes, inside and around a tag.
      { ...member, gossipAddress: `${'h'.repeat(200)}:7946`, tags: { k: 'v'.repeat(130) } },
      {
        ...member,
        tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`t${i}`, `${i}`])),
      },
    ];
    // The push-pull's body in its envelope: past the field tag and the varint length prefix.
    const bodyBytes = (encoded: Uint8Array): number => {
      let prefix = 1;
      while ((encoded[prefix]! & 0x80) !== 0) prefix++;
      return encoded.length - 1 - prefix;
    };
    const none = bodyBytes(encodeMessage(pushPull([])));
    for (const variant of variants) {
      const one = bodyBytes(encodeMessage(pushPull([variant])));
      expect(encodedMemberSize(variant), JSON.stringify(variant)).toBe(one - none);
    }
  });
});

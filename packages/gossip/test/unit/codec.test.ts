import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  assembleDatagram,
  DATAGRAM_HEADER_BYTES,
  decodeDatagram,
  encodeDatagram,
  encodedMemberSize,
  encodedMessageSize,
  encodeMessage,
} from '../../src/codec.js';
import { DecodeError } from '../../src/errors.js';
import type { GossipMessage } from '../../src/messages.js';
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
];

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
    const bytes = encodeDatagram([
      {
        kind: 'push-pull',
        from: ID_A,
        join: false,
        reply: false,
        first: true,
        last: true,
        members: [member],
      },
    ]);
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

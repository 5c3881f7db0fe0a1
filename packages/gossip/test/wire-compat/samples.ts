import type { GossipMessage, MemberRecord } from '../../src/messages.js';

export const ID_A = 'V1StGXR8_Z5jdHi6B-myT';
export const ID_B = 'Uakgb_J5m9g-0JDMbcJqL';

/** A suspect member with an RPC address and a tag. */
export const SUSPECT_MEMBER: MemberRecord = {
  id: ID_B,
  incarnation: 7,
  state: 'suspect',
  gossipAddress: '10.0.0.2:7946',
  rpcAddress: '10.0.0.2:9000',
  tags: { role: 'worker' },
};
/** Every field at its proto3 default: state alive (0), incarnation 0, no RPC address, no tags. */
const fresh: MemberRecord = {
  id: ID_A,
  incarnation: 0,
  state: 'alive',
  gossipAddress: '10.0.0.1:7946',
  rpcAddress: undefined,
  tags: {},
};

/**
 * Datagrams whose bytes are pinned across protobufjs releases: every message kind, and every
 * field that can hold its proto3 default (`false`, `0`, `''`, empty), which is where encoders differ.
 */
export const WIRE_SAMPLES: Readonly<Record<string, readonly GossipMessage[]>> = {
  ping: [{ kind: 'ping', seq: 1, from: ID_A, target: ID_B }],
  'ping, seq 0': [{ kind: 'ping', seq: 0, from: ID_A, target: ID_B }],
  ack: [{ kind: 'ack', seq: 4_294_967_295, from: ID_B }],
  'indirect-ping': [
    { kind: 'indirect-ping', seq: 2, from: ID_A, target: ID_B, targetAddress: '10.0.0.2:7946' },
  ],
  nack: [{ kind: 'nack', seq: 0, from: ID_B }],
  alive: [
    {
      kind: 'alive',
      id: ID_A,
      incarnation: 3,
      gossipAddress: '10.0.0.1:7946',
      rpcAddress: '10.0.0.1:9000',
      tags: { role: 'worker', zone: 'eu-1' },
    },
  ],
  'alive, defaults': [
    { kind: 'alive', id: ID_A, incarnation: 0, gossipAddress: '10.0.0.1:7946', tags: {} },
  ],
  suspect: [{ kind: 'suspect', id: ID_B, incarnation: 0, from: ID_A }],
  dead: [{ kind: 'dead', id: ID_B, incarnation: 4, from: ID_A }],
  left: [{ kind: 'left', id: ID_A, incarnation: 0 }],
  'push-pull, every flag false': [
    {
      kind: 'push-pull',
      from: ID_A,
      join: false,
      reply: false,
      first: false,
      last: false,
      members: [fresh],
    },
  ],
  'push-pull, join reply': [
    {
      kind: 'push-pull',
      from: ID_B,
      join: false,
      reply: true,
      first: true,
      last: false,
      members: [SUSPECT_MEMBER, { ...SUSPECT_MEMBER, id: ID_A, state: 'left' }],
    },
  ],
  'push-pull, buckets': [
    {
      kind: 'push-pull',
      from: ID_B,
      join: false,
      reply: true,
      first: true,
      last: true,
      members: [SUSPECT_MEMBER],
      bucketCount: 9,
      wantBuckets: [0, 4, 8],
    },
  ],
  'push-pull, empty': [
    {
      kind: 'push-pull',
      from: ID_A,
      join: true,
      reply: false,
      first: true,
      last: true,
      members: [],
    },
  ],
  digest: [
    {
      kind: 'digest',
      from: ID_A,
      bucketCount: 3,
      checksums: new Uint32Array([0, 1, 4_294_967_295]),
    },
  ],
  'probe with piggybacked updates': [
    { kind: 'ping', seq: 9, from: ID_A, target: ID_B },
    { kind: 'suspect', id: ID_B, incarnation: 4, from: ID_A },
    { kind: 'alive', id: ID_A, incarnation: 0, gossipAddress: '10.0.0.1:7946', tags: {} },
  ],
};

import type { GossipMessage } from '../../src/messages.js';

/** Valid gossip messages of every kind, the seeds that fuzz mutations start from. */
export const SEED_MESSAGES: readonly GossipMessage[][] = [
  [{ kind: 'ping', seq: 1, from: 'node-a', target: 'node-b' }],
  [{ kind: 'ack', seq: 4_000_000_000, from: 'node-b' }],
  [
    {
      kind: 'indirect-ping',
      seq: 7,
      from: 'node-a',
      target: 'node-c',
      targetAddress: '10.0.0.3:7946',
    },
    { kind: 'nack', seq: 7, from: 'node-b' },
  ],
  [
    {
      kind: 'alive',
      id: 'node-a',
      incarnation: 3,
      gossipAddress: '10.0.0.1:7946',
      rpcAddress: '10.0.0.1:9000',
      tags: { role: 'worker', zone: 'eu-1' },
    },
    { kind: 'suspect', id: 'node-c', incarnation: 2, from: 'node-a' },
    { kind: 'dead', id: 'node-d', incarnation: 9, from: 'node-b' },
    { kind: 'left', id: 'node-e', incarnation: 1 },
  ],
  [
    {
      kind: 'push-pull',
      from: 'node-a',
      join: true,
      reply: false,
      first: true,
      last: true,
      members: [
        {
          id: 'node-a',
          incarnation: 1,
          state: 'alive',
          gossipAddress: '[::1]:7946',
          tags: { role: 'seed' },
        },
        { id: 'node-b', incarnation: 5, state: 'dead', gossipAddress: '10.0.0.2:7946', tags: {} },
      ],
    },
  ],
  [{ kind: 'digest', from: 'node-a', bucketCount: 4, checksums: new Uint32Array([1, 2, 3, 4]) }],
  [
    {
      kind: 'push-pull',
      from: 'node-b',
      join: false,
      reply: true,
      first: true,
      last: true,
      members: [],
      bucketCount: 4,
      wantBuckets: [1, 3],
    },
  ],
];

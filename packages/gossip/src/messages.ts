import type { NodeId, NodeState, NodeTags } from './node.js';

/** Version byte carried by every datagram; a node drops datagrams of another version. */
export const PROTOCOL_VERSION = 1;

/**
 * Revision of the messages inside a version-1 datagram. 2 added {@link DigestMessage} and the
 * digest fields of {@link PushPullMessage}; a revision-1 node drops a datagram that carries a
 * digest, and the sender falls back to a full-state exchange when no answer comes. 3 added
 * fingerprint answers (`DigestMessage.answerFingerprints`, `PushPullMessage.fingerprints` and
 * `wantFingerprints`); a revision-2 node skips those fields and answers with records as before.
 */
export const PROTOCOL_REVISION = 3;

/** Direct probe: "are you `target`?". Answered with an {@link AckMessage} of the same `seq`. */
export interface PingMessage {
  readonly kind: 'ping';
  readonly seq: number;
  readonly from: NodeId;
  /** The id the sender believes lives at the receiving address; a different node ignores it. */
  readonly target: NodeId;
}

/** Answer to a ping; relayed by the helper of an indirect probe with the target's id in `from`. */
export interface AckMessage {
  readonly kind: 'ack';
  readonly seq: number;
  readonly from: NodeId;
}

/** Asks the receiver to ping `target` at `targetAddress` and relay the ack (or a nack). */
export interface IndirectPingMessage {
  readonly kind: 'indirect-ping';
  readonly seq: number;
  readonly from: NodeId;
  readonly target: NodeId;
  readonly targetAddress: string;
}

/** "I asked and the target did not answer": proves the helper itself is reachable (Lifeguard). */
export interface NackMessage {
  readonly kind: 'nack';
  readonly seq: number;
  readonly from: NodeId;
}

/** A node is alive at `incarnation` with these addresses and tags. */
export interface AliveMessage {
  readonly kind: 'alive';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly gossipAddress: string;
  readonly rpcAddress?: string | undefined;
  readonly tags: NodeTags;
}

/** What an `alive` update says of a member: an {@link AliveMessage}, or a record's alive state. */
export type AliveUpdate = Omit<AliveMessage, 'kind'>;

/**
 * The `alive` message `update` stands for. Fields named one by one, not spread: a message is built
 * only where an update is gossiped on.
 */
export function aliveMessageOf(update: AliveUpdate): AliveMessage {
  return {
    kind: 'alive',
    id: update.id,
    incarnation: update.incarnation,
    gossipAddress: update.gossipAddress,
    rpcAddress: update.rpcAddress,
    tags: update.tags,
  };
}

/** `from` suspects node `id` at `incarnation`. */
export interface SuspectMessage {
  readonly kind: 'suspect';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly from: NodeId;
}

/** `from` declared node `id` dead at `incarnation`. */
export interface DeadMessage {
  readonly kind: 'dead';
  readonly id: NodeId;
  readonly incarnation: number;
  readonly from: NodeId;
}

/** Node `id` left the cluster gracefully at `incarnation`. */
export interface LeftMessage {
  readonly kind: 'left';
  readonly id: NodeId;
  readonly incarnation: number;
}

/** One member record in a full-state exchange. */
export interface MemberRecord {
  readonly id: NodeId;
  readonly incarnation: number;
  readonly state: NodeState;
  readonly gossipAddress: string;
  readonly rpcAddress?: string | undefined;
  readonly tags: NodeTags;
}

/**
 * One chunk of a full-state exchange (anti-entropy or join). A request (`reply: false`) with
 * `first: true` is answered by the receiver's own full state; `join` marks a joining node.
 *
 * As the answer to a {@link DigestMessage} (`reply: true`, `bucketCount > 0`) it carries only the
 * records of the buckets whose checksums differed, and on its first chunk `wantBuckets`: the
 * buckets whose records the digest's sender should send back (again with `bucketCount` set and
 * no `wantBuckets`, which ends the exchange).
 *
 * Asked for fingerprints ({@link DigestMessage.answerFingerprints}), the answer carries no records:
 * each chunk names in `wantBuckets` some of the differing buckets and in `fingerprints` a
 * fingerprint of each of the answerer's records in them. The digest's sender sends back its
 * records of those buckets whose fingerprints are not among them, and a message whose
 * `wantFingerprints` names the answerer's records it lacks, which the answerer sends.
 */
export interface PushPullMessage {
  readonly kind: 'push-pull';
  readonly from: NodeId;
  readonly join: boolean;
  readonly reply: boolean;
  readonly first: boolean;
  readonly last: boolean;
  readonly members: readonly MemberRecord[];
  /** Buckets of the digest this answers; 0 (or absent) for a full-state exchange. */
  readonly bucketCount?: number;
  /**
   * Buckets the receiver should send its records of (digest exchanges only), except those whose
   * fingerprints are in `fingerprints`.
   */
  readonly wantBuckets?: readonly number[];
  /** Fingerprints (see `recordFingerprint`) of the sender's records in `wantBuckets`. */
  readonly fingerprints?: Uint32Array;
  /** Fingerprints of records the receiver should send (digest exchanges only). */
  readonly wantFingerprints?: Uint32Array;
}

/**
 * Anti-entropy's opening: the sender's member table as `bucketCount` checksums, the records
 * spread over buckets by a hash of their id (see `member-digest.ts`). Always answered with a
 * {@link PushPullMessage} carrying the differing buckets' records (none when all match).
 */
export interface DigestMessage {
  readonly kind: 'digest';
  readonly from: NodeId;
  readonly bucketCount: number;
  /** One checksum per bucket. */
  readonly checksums: Uint32Array;
  /** Answer with the differing buckets' record fingerprints instead of their records (rev. 3). */
  readonly answerFingerprints?: boolean;
}

/** Everything that can travel in a gossip datagram. */
export type GossipMessage =
  | PingMessage
  | AckMessage
  | IndirectPingMessage
  | NackMessage
  | AliveMessage
  | SuspectMessage
  | DeadMessage
  | LeftMessage
  | PushPullMessage
  | DigestMessage;

/** The membership updates that are disseminated by piggybacking. */
export type StateUpdateMessage = AliveMessage | SuspectMessage | DeadMessage | LeftMessage;

/** Wire states of {@link MemberRecord.state}, in protobuf enum order. */
export const WIRE_STATES: readonly NodeState[] = ['alive', 'suspect', 'dead', 'left'];

/**
 * The protobuf schema of a datagram (proto3). A `Datagram` holds several `Envelope`s so probes,
 * acks and state updates share one UDP packet.
 */
export const GOSSIP_PROTO_SCHEMA = {
  nested: {
    Datagram: {
      fields: {
        version: { type: 'uint32', id: 1 },
        messages: { rule: 'repeated', type: 'Envelope', id: 2 },
      },
    },
    Envelope: {
      oneofs: {
        body: {
          oneof: [
            'ping',
            'ack',
            'indirectPing',
            'nack',
            'alive',
            'suspect',
            'dead',
            'left',
            'pushPull',
            'digest',
          ],
        },
      },
      fields: {
        ping: { type: 'Ping', id: 1 },
        ack: { type: 'Ack', id: 2 },
        indirectPing: { type: 'IndirectPing', id: 3 },
        nack: { type: 'Nack', id: 4 },
        alive: { type: 'Alive', id: 5 },
        suspect: { type: 'Suspect', id: 6 },
        dead: { type: 'Dead', id: 7 },
        left: { type: 'Left', id: 8 },
        pushPull: { type: 'PushPull', id: 9 },
        digest: { type: 'Digest', id: 10 },
      },
    },
    Ping: {
      fields: {
        seq: { type: 'uint32', id: 1 },
        from: { type: 'string', id: 2 },
        target: { type: 'string', id: 3 },
      },
    },
    Ack: {
      fields: { seq: { type: 'uint32', id: 1 }, from: { type: 'string', id: 2 } },
    },
    IndirectPing: {
      fields: {
        seq: { type: 'uint32', id: 1 },
        from: { type: 'string', id: 2 },
        target: { type: 'string', id: 3 },
        targetAddress: { type: 'string', id: 4 },
      },
    },
    Nack: {
      fields: { seq: { type: 'uint32', id: 1 }, from: { type: 'string', id: 2 } },
    },
    Alive: {
      fields: {
        id: { type: 'string', id: 1 },
        incarnation: { type: 'uint32', id: 2 },
        gossipAddress: { type: 'string', id: 3 },
        rpcAddress: { type: 'string', id: 4 },
        tags: { keyType: 'string', type: 'string', id: 5 },
      },
    },
    Suspect: {
      fields: {
        id: { type: 'string', id: 1 },
        incarnation: { type: 'uint32', id: 2 },
        from: { type: 'string', id: 3 },
      },
    },
    Dead: {
      fields: {
        id: { type: 'string', id: 1 },
        incarnation: { type: 'uint32', id: 2 },
        from: { type: 'string', id: 3 },
      },
    },
    Left: {
      fields: { id: { type: 'string', id: 1 }, incarnation: { type: 'uint32', id: 2 } },
    },
    Member: {
      fields: {
        id: { type: 'string', id: 1 },
        incarnation: { type: 'uint32', id: 2 },
        state: { type: 'uint32', id: 3 },
        gossipAddress: { type: 'string', id: 4 },
        rpcAddress: { type: 'string', id: 5 },
        tags: { keyType: 'string', type: 'string', id: 6 },
      },
    },
    PushPull: {
      fields: {
        from: { type: 'string', id: 1 },
        join: { type: 'bool', id: 2 },
        reply: { type: 'bool', id: 3 },
        first: { type: 'bool', id: 4 },
        last: { type: 'bool', id: 5 },
        members: { rule: 'repeated', type: 'Member', id: 6 },
        bucketCount: { type: 'uint32', id: 7 },
        wantBuckets: { rule: 'repeated', type: 'uint32', id: 8 },
        // Big-endian uint32 per record, as a digest's checksums.
        fingerprints: { type: 'bytes', id: 9 },
        wantFingerprints: { type: 'bytes', id: 10 },
      },
    },
    Digest: {
      fields: {
        from: { type: 'string', id: 1 },
        bucketCount: { type: 'uint32', id: 2 },
        // Big-endian uint32 per bucket.
        checksums: { type: 'bytes', id: 3 },
        answerFingerprints: { type: 'bool', id: 4 },
      },
    },
  },
};

import { assembleDatagram, decodeDatagram, encodedMemberSize, encodeMessage } from './codec.js';
import type { GossipMessage, MemberRecord } from './messages.js';

/**
 * How a `SwimProtocol` turns messages into datagrams and datagrams back into messages. Every
 * real node uses {@link wireCodec}; a simulation of many nodes in one process passes one that
 * skips decoding what it encoded itself (`SharedMessageCodec`).
 */
export interface MessageCodec {
  /** One message, encoded for {@link assembleDatagram}; the result may be sent many times. */
  encodeMessage(message: GossipMessage): Uint8Array;
  /** One datagram of messages from {@link encodeMessage}. */
  assembleDatagram(encoded: readonly Uint8Array[]): Uint8Array;
  /** The messages of a received datagram; throws `DecodeError` for malformed input. */
  decodeDatagram(bytes: Uint8Array): GossipMessage[];
  /** Bytes one member record adds to an encoded push-pull. */
  encodedMemberSize(member: MemberRecord): number;
}

/** The protobuf wire format of `codec.ts`, as sent over UDP. */
export const wireCodec: MessageCodec = Object.freeze({
  encodeMessage,
  assembleDatagram,
  decodeDatagram,
  encodedMemberSize,
});

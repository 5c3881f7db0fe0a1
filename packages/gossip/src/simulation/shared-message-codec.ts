import {
  assembleDatagram,
  decodeDatagram,
  encodeMember,
  encodeMessage,
  encodePushPull,
  framedSize,
} from '../codec.js';
import type { MessageCodec } from '../message-codec.js';
import type { GossipMessage, MemberRecord } from '../messages.js';

/**
 * The codec of many simulated nodes in one process. It encodes and assembles the real bytes, so
 * sizes, datagram limits and bandwidth are the wire's, but hands the receiver of a datagram it
 * assembled the sender's message objects instead of decoding them. It encodes a message object
 * once however many nodes send it on (a gossiped update), and a member record (shared between
 * tables by a `MemberRecordPool`) once however many push-pulls carry it. Messages are shared
 * between nodes: the protocol never changes a message it received or sent (a test holds it to
 * that).
 *
 * A datagram it did not assemble (one changed on the way, e.g. sealed by a `SecureTransport`) is
 * decoded as usual. The ones it recognizes skip `decodeDatagram`'s limits on untrusted input,
 * which the protocol's own messages stay within anyway; the datagram size limit still applies.
 */
export class SharedMessageCodec implements MessageCodec {
  private readonly bytesOf = new WeakMap<GossipMessage, Uint8Array>();
  private readonly messageOf = new WeakMap<Uint8Array, GossipMessage>();
  private readonly messagesOf = new WeakMap<Uint8Array, readonly GossipMessage[]>();
  private readonly memberBytes = new WeakMap<MemberRecord, Uint8Array>();

  encodeMessage(message: GossipMessage): Uint8Array {
    let bytes = this.bytesOf.get(message);
    if (bytes === undefined) {
      bytes =
        message.kind === 'push-pull'
          ? encodePushPull(
              message,
              message.members.map((member) => this.encodeMember(member)),
            )
          : encodeMessage(message);
      this.bytesOf.set(message, bytes);
      this.messageOf.set(bytes, message);
    }
    return bytes;
  }

  assembleDatagram(encoded: readonly Uint8Array[]): Uint8Array {
    const datagram = assembleDatagram(encoded);
    const messages: GossipMessage[] = [];
    for (const part of encoded) {
      const message = this.messageOf.get(part);
      // Encoded elsewhere: the receiver decodes this datagram.
      if (message === undefined) return datagram;
      messages.push(message);
    }
    this.messagesOf.set(datagram, messages);
    return datagram;
  }

  encodedMemberSize(member: MemberRecord): number {
    return framedSize(this.encodeMember(member));
  }

  decodeDatagram(bytes: Uint8Array): GossipMessage[] {
    const messages = this.messagesOf.get(bytes);
    return messages === undefined ? decodeDatagram(bytes) : [...messages];
  }

  private encodeMember(member: MemberRecord): Uint8Array {
    let bytes = this.memberBytes.get(member);
    if (bytes === undefined) {
      bytes = encodeMember(member);
      this.memberBytes.set(member, bytes);
    }
    return bytes;
  }
}

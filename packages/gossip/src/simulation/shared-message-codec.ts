import {
  assembleDatagram,
  DATAGRAM_HEADER_BYTES,
  decodeDatagram,
  encodedMemberSize,
  encodedPushPullLength,
  encodeMember,
  encodeMessage,
  encodePushPull,
  framedSize,
} from '../codec.js';
import type { MessageCodec } from '../message-codec.js';
import type { GossipMessage, MemberRecord, PushPullMessage } from '../messages.js';

/** Options of a {@link SharedMessageCodec}. */
export interface SharedMessageCodecOptions {
  /**
   * Default true: push-pulls and datagrams hold their wire bytes. False: they hold zeros of their
   * wire length (computed, not encoded), which is all a simulated network that only counts bytes
   * needs, and saves encoding and copying every record of every push-pull; other messages are
   * still encoded. Only where nothing reads the bytes: a `SecureTransport`, say, seals them.
   */
  readonly wireBytes?: boolean;
}

/** Zeros that sized-only messages and datagrams are views of, so they allocate no bytes. */
const ZEROS = new ArrayBuffer(64 * 1024);

/** `length` zero bytes: a view of {@link ZEROS}, a new object each time (it keys a WeakMap). */
function zeros(length: number): Uint8Array {
  return length <= ZEROS.byteLength ? new Uint8Array(ZEROS, 0, length) : new Uint8Array(length);
}

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
  private readonly memberSizes = new WeakMap<MemberRecord, number>();
  private readonly wireBytes: boolean;

  constructor(options: SharedMessageCodecOptions = {}) {
    this.wireBytes = options.wireBytes ?? true;
  }

  encodeMessage(message: GossipMessage): Uint8Array {
    let bytes = this.bytesOf.get(message);
    if (bytes === undefined) {
      bytes =
        message.kind !== 'push-pull'
          ? encodeMessage(message)
          : this.wireBytes
            ? encodePushPull(
                message,
                message.members.map((member) => this.encodeMember(member)),
              )
            : zeros(this.pushPullLength(message));
      this.bytesOf.set(message, bytes);
      this.messageOf.set(bytes, message);
    }
    return bytes;
  }

  assembleDatagram(encoded: readonly Uint8Array[]): Uint8Array {
    const messages: GossipMessage[] = [];
    let length = DATAGRAM_HEADER_BYTES;
    for (const part of encoded) {
      const message = this.messageOf.get(part);
      // Encoded elsewhere: the receiver decodes this datagram.
      if (message === undefined) return assembleDatagram(encoded);
      messages.push(message);
      length += framedSize(part);
    }
    const datagram = this.wireBytes ? assembleDatagram(encoded) : zeros(length);
    this.messagesOf.set(datagram, messages);
    return datagram;
  }

  encodedMemberSize(member: MemberRecord): number {
    if (this.wireBytes) return framedSize(this.encodeMember(member));
    let size = this.memberSizes.get(member);
    if (size === undefined) {
      size = encodedMemberSize(member);
      this.memberSizes.set(member, size);
    }
    return size;
  }

  decodeDatagram(bytes: Uint8Array): GossipMessage[] {
    const messages = this.messagesOf.get(bytes);
    return messages === undefined ? decodeDatagram(bytes) : [...messages];
  }

  /** The wire length of `message`, from its members' sizes. */
  private pushPullLength(message: PushPullMessage): number {
    let memberBytes = 0;
    for (const member of message.members) memberBytes += this.encodedMemberSize(member);
    return encodedPushPullLength(message, memberBytes);
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

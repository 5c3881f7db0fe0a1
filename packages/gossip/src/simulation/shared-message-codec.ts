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
import { pooledRecordSize } from '../member-record-pool.js';
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

/**
 * Bytes that remember what they encode: the message of an encoded part, the messages of a
 * datagram. A property of the bytes, not an entry in a WeakMap: a large simulation has millions
 * of datagrams in flight at once, and as many weak entries make every garbage collection slower.
 */
class SharedBytes extends Uint8Array {
  message: GossipMessage | undefined;
  messages: readonly GossipMessage[] | undefined;
}

/** `bytes` as {@link SharedBytes} over the same memory (no copy). */
function shared(bytes: Uint8Array): SharedBytes {
  // The encoders allocate plain ArrayBuffers, never shared ones.
  return new SharedBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
}

/** `length` zero bytes: a view of {@link ZEROS} where it is large enough. */
function zeros(length: number): SharedBytes {
  return length <= ZEROS.byteLength ? new SharedBytes(ZEROS, 0, length) : new SharedBytes(length);
}

/**
 * The codec of many simulated nodes in one process. It encodes and assembles the real bytes (or,
 * with `wireBytes: false`, zeros of their length), so sizes, datagram limits and bandwidth are the
 * wire's, but hands the receiver of a datagram it assembled the sender's message objects instead
 * of decoding them. It encodes a message object other than a push-pull once however many nodes
 * send it on (a gossiped update), and a member record (shared between tables by a
 * `MemberRecordPool`) once however many push-pulls carry it. Messages are shared between nodes:
 * the protocol never changes a message it received or sent (a test holds it to that).
 *
 * A datagram it did not assemble (one changed on the way, e.g. sealed by a `SecureTransport`) is
 * decoded as usual. The ones it recognizes skip `decodeDatagram`'s limits on untrusted input,
 * which the protocol's own messages stay within anyway; the datagram size limit still applies.
 */
export class SharedMessageCodec implements MessageCodec {
  /** Encodings of messages other than push-pulls, which a node sends once each. */
  private readonly bytesOf = new WeakMap<GossipMessage, SharedBytes>();
  private readonly memberBytes = new WeakMap<MemberRecord, Uint8Array>();
  private readonly memberSizes = new WeakMap<MemberRecord, number>();
  private readonly wireBytes: boolean;

  constructor(options: SharedMessageCodecOptions = {}) {
    this.wireBytes = options.wireBytes ?? true;
  }

  encodeMessage(message: GossipMessage): Uint8Array {
    if (message.kind === 'push-pull') {
      const bytes = this.wireBytes
        ? shared(
            encodePushPull(
              message,
              message.members.map((member) => this.encodeMember(member)),
            ),
          )
        : zeros(this.pushPullLength(message));
      bytes.message = message;
      return bytes;
    }
    let bytes = this.bytesOf.get(message);
    if (bytes === undefined) {
      bytes = shared(encodeMessage(message));
      bytes.message = message;
      this.bytesOf.set(message, bytes);
    }
    return bytes;
  }

  assembleDatagram(encoded: readonly Uint8Array[]): Uint8Array {
    const messages: GossipMessage[] = [];
    let length = DATAGRAM_HEADER_BYTES;
    for (const part of encoded) {
      const message = part instanceof SharedBytes ? part.message : undefined;
      // Encoded elsewhere: the receiver decodes this datagram.
      if (message === undefined) return assembleDatagram(encoded);
      messages.push(message);
      length += framedSize(part);
    }
    const datagram = this.wireBytes ? shared(assembleDatagram(encoded)) : zeros(length);
    datagram.messages = messages;
    return datagram;
  }

  encodedMemberSize(member: MemberRecord): number {
    if (this.wireBytes) return framedSize(this.encodeMember(member));
    let size = pooledRecordSize(member);
    if (size !== undefined) return size;
    size = this.memberSizes.get(member);
    if (size === undefined) {
      size = encodedMemberSize(member);
      this.memberSizes.set(member, size);
    }
    return size;
  }

  decodeDatagram(bytes: Uint8Array): GossipMessage[] {
    // A copy (a network that copies datagrams) is a SharedBytes without messages: decoded.
    const messages = bytes instanceof SharedBytes ? bytes.messages : undefined;
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

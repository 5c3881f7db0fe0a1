import protobuf from 'protobufjs';
import { DecodeError } from './errors.js';
import {
  GOSSIP_PROTO_SCHEMA,
  type GossipMessage,
  type MemberRecord,
  PROTOCOL_VERSION,
  type PushPullMessage,
  WIRE_STATES,
} from './messages.js';
import type { NodeTags } from './node.js';

const root = protobuf.Root.fromJSON(GOSSIP_PROTO_SCHEMA);
const DatagramType = root.lookupType('Datagram');
const EnvelopeType = root.lookupType('Envelope');
const MemberType = root.lookupType('Member');
/** Field 9 of an envelope (its push-pull), length-delimited. */
const PUSH_PULL_TAG = (9 << 3) | 2;

/** Bounds enforced by {@link decodeDatagram} on untrusted input. */
export const DECODE_LIMITS = Object.freeze({
  maxIdLength: 64,
  maxAddressLength: 300,
  maxTags: 64,
  maxTagKeyLength: 256,
  maxTagValueLength: 256,
  maxMessagesPerDatagram: 1024,
  maxMembersPerPushPull: 10_000,
  maxDigestBuckets: 4096,
});

/** What an absent fingerprints field stands for. */
const EMPTY_U32S = new Uint32Array(0);

/** Bytes of a datagram that carries no message (the version field). */
export const DATAGRAM_HEADER_BYTES = 2;

type WireObject = Record<string, unknown>;

function tagsToWire(tags: NodeTags): Record<string, string> {
  return { ...tags };
}

function memberToWire(member: MemberRecord): WireObject {
  return {
    id: member.id,
    incarnation: member.incarnation,
    state: WIRE_STATES.indexOf(member.state),
    gossipAddress: member.gossipAddress,
    rpcAddress: member.rpcAddress ?? '',
    tags: tagsToWire(member.tags),
  };
}

function toWire(message: GossipMessage): WireObject {
  switch (message.kind) {
    case 'ping':
      return { ping: { seq: message.seq, from: message.from, target: message.target } };
    case 'ack':
      return { ack: { seq: message.seq, from: message.from } };
    case 'indirect-ping':
      return {
        indirectPing: {
          seq: message.seq,
          from: message.from,
          target: message.target,
          targetAddress: message.targetAddress,
        },
      };
    case 'nack':
      return { nack: { seq: message.seq, from: message.from } };
    case 'alive':
      return {
        alive: {
          id: message.id,
          incarnation: message.incarnation,
          gossipAddress: message.gossipAddress,
          rpcAddress: message.rpcAddress ?? '',
          tags: tagsToWire(message.tags),
        },
      };
    case 'suspect':
      return { suspect: { id: message.id, incarnation: message.incarnation, from: message.from } };
    case 'dead':
      return { dead: { id: message.id, incarnation: message.incarnation, from: message.from } };
    case 'left':
      return { left: { id: message.id, incarnation: message.incarnation } };
    case 'push-pull':
      return {
        pushPull: {
          from: message.from,
          join: message.join,
          reply: message.reply,
          first: message.first,
          last: message.last,
          members: message.members.map(memberToWire),
          // Absent in a full-state exchange, so its bytes are what revision 1 sent.
          // Stryker disable next-line ConditionalExpression: protobufjs skips an undefined field too
          ...(message.bucketCount === undefined ? {} : { bucketCount: message.bucketCount }),
          // Stryker disable next-line ConditionalExpression: protobufjs skips an undefined field too
          ...(message.wantBuckets === undefined ? {} : { wantBuckets: message.wantBuckets }),
          // Absent when empty, as proto3 leaves out an empty bytes field (and encodePushPull does).
          ...(message.fingerprints?.length
            ? { fingerprints: u32sToBytes(message.fingerprints) }
            : {}),
          ...(message.wantFingerprints?.length
            ? { wantFingerprints: u32sToBytes(message.wantFingerprints) }
            : {}),
        },
      };
    case 'digest':
      return {
        digest: {
          from: message.from,
          bucketCount: message.bucketCount,
          checksums: u32sToBytes(message.checksums),
          ...(message.answerFingerprints ? { answerFingerprints: true } : {}),
        },
      };
  }
}

/** Big-endian uint32s: a digest's checksums, a push-pull's fingerprints. */
function u32sToBytes(values: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i]!);
  return bytes;
}

/**
 * The uint32s of {@link u32sToBytes} in an optional field; fails unless `bytes` holds at most
 * `max` whole ones.
 */
function bytesToU32s(bytes: unknown, field: string, max: number): Uint32Array {
  // An absent field decodes as protobufjs's default, an empty array.
  if (bytes === undefined || (Array.isArray(bytes) && bytes.length === 0)) return EMPTY_U32S;
  // Stryker disable next-line all: a decoded bytes field is always a Uint8Array
  if (!(bytes instanceof Uint8Array)) fail(`${field} is not bytes`);
  if (bytes.length % 4 !== 0) fail(`${field} is not whole uint32s`);
  if (bytes.length / 4 > max) fail(`too many ${field}`);
  return readU32s(bytes);
}

/** The big-endian uint32s of `bytes` (a multiple of four long). */
function readU32s(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const values = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getUint32(i * 4);
  return values;
}

function readBucketCount(obj: WireObject): number {
  const count = readUint(obj, 'bucketCount');
  if (count > DECODE_LIMITS.maxDigestBuckets) fail('too many digest buckets');
  return count;
}

function varintBytes(value: number): number {
  let bytes = 1;
  let rest = value >>> 7;
  while (rest > 0) {
    bytes++;
    rest >>>= 7;
  }
  return bytes;
}

/** Encodes one message on its own, ready for {@link assembleDatagram} (lets senders cache it). */
export function encodeMessage(message: GossipMessage): Uint8Array {
  return EnvelopeType.encode(toWire(message)).finish();
}

/** Bytes an encoded message adds to a datagram (field tag + length prefix + body). */
export function framedSize(encoded: Uint8Array): number {
  return 1 + varintBytes(encoded.length) + encoded.length;
}

/** Bytes `message` adds to a datagram (field tag + length prefix + body). */
export function encodedMessageSize(message: GossipMessage): number {
  return framedSize(encodeMessage(message));
}

/**
 * Builds a datagram from messages already encoded with {@link encodeMessage}; the result equals
 * `encodeDatagram` of the same messages.
 */
export function assembleDatagram(encoded: readonly Uint8Array[]): Uint8Array {
  let size = DATAGRAM_HEADER_BYTES;
  for (const part of encoded) size += framedSize(part);
  const out = Buffer.allocUnsafe(size);
  // Field 1 (version), varint; then field 2 (messages), length-delimited, once per message.
  out[0] = 0x08;
  out[1] = PROTOCOL_VERSION;
  let offset = DATAGRAM_HEADER_BYTES;
  for (const part of encoded) {
    out[offset++] = 0x12;
    let length = part.length;
    while (length > 0x7f) {
      out[offset++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[offset++] = length;
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** UTF-8 bytes of `text`: its length when it is ASCII, as ids and addresses are. */
function utf8Bytes(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8');
  }
  return text.length;
}

/** Bytes of a length-delimited field (tag, length prefix, body) with a one-byte tag. */
function delimitedBytes(body: number): number {
  return 1 + varintBytes(body) + body;
}

/** Bytes of a string field with a one-byte tag; proto3 leaves an empty one out. */
function stringFieldBytes(text: string): number {
  return text.length === 0 ? 0 : delimitedBytes(utf8Bytes(text));
}

/** Bytes of a uint32 field with a one-byte tag; proto3 leaves a zero out. */
function uintFieldBytes(value: number): number {
  return value === 0 ? 0 : 1 + varintBytes(value);
}

/**
 * Bytes one member record adds to a push-pull message, counted field by field as the encoder
 * writes them instead of encoding the record: a push-pull sizes each record it sends.
 */
export function encodedMemberSize(member: MemberRecord): number {
  let body =
    stringFieldBytes(member.id) +
    uintFieldBytes(member.incarnation) +
    uintFieldBytes(WIRE_STATES.indexOf(member.state)) +
    stringFieldBytes(member.gossipAddress) +
    stringFieldBytes(member.rpcAddress ?? '');
  for (const key in member.tags) {
    // A map entry always carries its key and its value.
    body += delimitedBytes(
      delimitedBytes(utf8Bytes(key)) + delimitedBytes(utf8Bytes(member.tags[key]!)),
    );
  }
  return delimitedBytes(body);
}

/** One member record as a push-pull carries it: the body of its field, for {@link encodePushPull}. */
export function encodeMember(member: MemberRecord): Uint8Array {
  return MemberType.encode(memberToWire(member)).finish();
}

/** Writes protobuf fields into a buffer of a known size. */
class FieldWriter {
  readonly bytes: Buffer;
  private offset = 0;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  varint(value: number): void {
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.bytes[this.offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.bytes[this.offset++] = rest;
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  utf8(text: string): void {
    this.offset += this.bytes.write(text, this.offset, 'utf8');
  }

  /** Big-endian, four bytes each. */
  uint32s(values: Uint32Array): void {
    for (const value of values) {
      this.bytes.writeUInt32BE(value, this.offset);
      this.offset += 4;
    }
  }
}

/**
 * The bytes {@link encodeMessage} gives `message`, built from its members already encoded with
 * {@link encodeMember} (in order): for a sender that encodes each record once, however many
 * push-pulls carry it. Fields as proto3 writes them: in field order, empty ones left out.
 */
export function encodePushPull(
  message: PushPullMessage,
  members: readonly Uint8Array[],
): Uint8Array {
  const fromBytes = utf8Bytes(message.from);
  const bucketCount = message.bucketCount ?? 0;
  const wanted = message.wantBuckets ?? [];
  let wantedBytes = 0;
  for (const bucket of wanted) wantedBytes += varintBytes(bucket);
  const fingerprints = message.fingerprints ?? EMPTY_U32S;
  const wantFingerprints = message.wantFingerprints ?? EMPTY_U32S;
  let memberBytes = 0;
  for (const member of members) memberBytes += delimitedBytes(member.length);
  const body = pushPullBodyBytes(message, memberBytes);
  const out = new FieldWriter(delimitedBytes(body));
  out.varint(PUSH_PULL_TAG);
  out.varint(body);
  if (fromBytes > 0) {
    out.varint(0x0a);
    out.varint(fromBytes);
    out.utf8(message.from);
  }
  const flags = [message.join, message.reply, message.first, message.last];
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    out.varint((i + 2) << 3);
    out.varint(1);
  }
  for (const member of members) {
    out.varint(0x32);
    out.varint(member.length);
    out.raw(member);
  }
  if (bucketCount > 0) {
    out.varint(0x38);
    out.varint(bucketCount);
  }
  if (wanted.length > 0) {
    out.varint(0x42);
    out.varint(wantedBytes);
    for (const bucket of wanted) out.varint(bucket);
  }
  if (fingerprints.length > 0) {
    out.varint(0x4a);
    out.varint(fingerprints.length * 4);
    out.uint32s(fingerprints);
  }
  if (wantFingerprints.length > 0) {
    out.varint(0x52);
    out.varint(wantFingerprints.length * 4);
    out.uint32s(wantFingerprints);
  }
  return out.bytes;
}

/**
 * Bytes of a push-pull's body (its fields, without its own tag and length prefix), given the
 * bytes its members add (the sum of their {@link encodedMemberSize}s).
 */
function pushPullBodyBytes(message: PushPullMessage, memberBytes: number): number {
  let body = stringFieldBytes(message.from) + memberBytes;
  for (const flag of [message.join, message.reply, message.first, message.last])
    if (flag) body += 2;
  body += uintFieldBytes(message.bucketCount ?? 0);
  const wanted = message.wantBuckets ?? [];
  if (wanted.length > 0) {
    let wantedBytes = 0;
    for (const bucket of wanted) wantedBytes += varintBytes(bucket);
    body += delimitedBytes(wantedBytes);
  }
  const fingerprints = message.fingerprints?.length ?? 0;
  const wantFingerprints = message.wantFingerprints?.length ?? 0;
  if (fingerprints > 0) body += delimitedBytes(fingerprints * 4);
  if (wantFingerprints > 0) body += delimitedBytes(wantFingerprints * 4);
  return body;
}

/**
 * The length of {@link encodePushPull}'s bytes for `message`, whose members add `memberBytes`
 * (the sum of their {@link encodedMemberSize}s), computed without encoding anything.
 */
export function encodedPushPullLength(message: PushPullMessage, memberBytes: number): number {
  return delimitedBytes(pushPullBodyBytes(message, memberBytes));
}

/** Encodes several messages into one datagram. The caller keeps it under its size limit. */
export function encodeDatagram(messages: readonly GossipMessage[]): Uint8Array {
  return DatagramType.encode({
    version: PROTOCOL_VERSION,
    messages: messages.map(toWire),
  }).finish();
}

function fail(message: string): never {
  throw new DecodeError(message);
}

// The type checks below narrow `unknown`: protobufjs already decodes each field as its schema
// type, so no datagram can fail them (their mutants are equivalent and not counted).

function asObject(value: unknown, field: string): WireObject {
  // Stryker disable next-line all: a decoded message field is always an object
  if (typeof value !== 'object' || value === null) fail(`${field} is missing`);
  return value as WireObject;
}

function readString(obj: WireObject, field: string, max: number, required: boolean): string {
  const value = obj[field];
  // Stryker disable next-line all: a decoded string field is always a string
  if (typeof value !== 'string') fail(`${field} is not a string`);
  if (required && value.length === 0) fail(`${field} is empty`);
  if (value.length > max) fail(`${field} is longer than ${max}`);
  return value;
}

function readUint(obj: WireObject, field: string): number {
  const value = obj[field];
  // Stryker disable all: a decoded uint32 field is always a non-negative integer
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(`${field} is not an unsigned integer`);
  }
  // Stryker restore all
  return value;
}

function readBool(obj: WireObject, field: string): boolean {
  const value = obj[field];
  // Stryker disable next-line all: a decoded bool field is always a boolean
  if (typeof value !== 'boolean') fail(`${field} is not a boolean`);
  return value;
}

const readId = (obj: WireObject, field: string): string =>
  readString(obj, field, DECODE_LIMITS.maxIdLength, true);
const readAddress = (obj: WireObject, field: string): string =>
  readString(obj, field, DECODE_LIMITS.maxAddressLength, true);

function readOptionalAddress(obj: WireObject, field: string): string | undefined {
  const value = readString(obj, field, DECODE_LIMITS.maxAddressLength, false);
  return value === '' ? undefined : value;
}

function readTags(obj: WireObject): NodeTags {
  // Stryker disable next-line StringLiteral: the name shows only in an error no datagram causes
  const raw = asObject(obj.tags ?? {}, 'tags');
  const entries = Object.entries(raw);
  if (entries.length > DECODE_LIMITS.maxTags) fail('too many tags');
  const tags: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > DECODE_LIMITS.maxTagKeyLength) fail('bad tag key');
    if (typeof value !== 'string' || value.length > DECODE_LIMITS.maxTagValueLength) {
      fail(`bad value of tag ${key}`);
    }
    tags[key] = value;
  }
  return tags;
}

function readMember(value: unknown): MemberRecord {
  // Stryker disable next-line StringLiteral: the name shows only in an error no datagram causes
  const obj = asObject(value, 'member');
  const stateIndex = readUint(obj, 'state');
  const state = WIRE_STATES[stateIndex];
  if (state === undefined) fail(`unknown member state ${stateIndex}`);
  return {
    id: readId(obj, 'id'),
    incarnation: readUint(obj, 'incarnation'),
    state,
    gossipAddress: readAddress(obj, 'gossipAddress'),
    rpcAddress: readOptionalAddress(obj, 'rpcAddress'),
    tags: readTags(obj),
  };
}

function fromWire(envelope: WireObject): GossipMessage {
  const body = envelope.body;
  if (typeof body !== 'string') fail('envelope has no body');
  const obj = asObject(envelope[body], body);
  switch (body) {
    case 'ping':
      return {
        kind: 'ping',
        seq: readUint(obj, 'seq'),
        from: readId(obj, 'from'),
        target: readId(obj, 'target'),
      };
    case 'ack':
      return { kind: 'ack', seq: readUint(obj, 'seq'), from: readId(obj, 'from') };
    case 'indirectPing':
      return {
        kind: 'indirect-ping',
        seq: readUint(obj, 'seq'),
        from: readId(obj, 'from'),
        target: readId(obj, 'target'),
        targetAddress: readAddress(obj, 'targetAddress'),
      };
    case 'nack':
      return { kind: 'nack', seq: readUint(obj, 'seq'), from: readId(obj, 'from') };
    case 'alive':
      return {
        kind: 'alive',
        id: readId(obj, 'id'),
        incarnation: readUint(obj, 'incarnation'),
        gossipAddress: readAddress(obj, 'gossipAddress'),
        rpcAddress: readOptionalAddress(obj, 'rpcAddress'),
        tags: readTags(obj),
      };
    case 'suspect':
    case 'dead':
      return {
        kind: body,
        id: readId(obj, 'id'),
        incarnation: readUint(obj, 'incarnation'),
        from: readId(obj, 'from'),
      };
    case 'left':
      return { kind: 'left', id: readId(obj, 'id'), incarnation: readUint(obj, 'incarnation') };
    case 'pushPull': {
      const members = obj.members;
      // Stryker disable next-line all: a decoded repeated field is always an array
      if (!Array.isArray(members)) fail('members is not a list');
      if (members.length > DECODE_LIMITS.maxMembersPerPushPull) fail('too many members');
      const bucketCount = readBucketCount(obj);
      const wantBuckets = obj.wantBuckets;
      // Stryker disable next-line all: a decoded repeated field is always an array
      if (!Array.isArray(wantBuckets)) fail('wantBuckets is not a list');
      if (wantBuckets.length > bucketCount) fail('more wanted buckets than buckets');
      for (const bucket of wantBuckets) {
        // Stryker disable next-line ConditionalExpression,LogicalOperator: uint32s are integers >= 0
        if (!Number.isInteger(bucket) || bucket < 0 || bucket >= bucketCount)
          fail('wanted bucket out of range');
      }
      const max = DECODE_LIMITS.maxMembersPerPushPull;
      const fingerprints = bytesToU32s(obj.fingerprints, 'fingerprints', max);
      const wantFingerprints = bytesToU32s(obj.wantFingerprints, 'wantFingerprints', max);
      if (bucketCount === 0 && fingerprints.length + wantFingerprints.length > 0)
        fail('fingerprints outside a digest exchange');
      return {
        kind: 'push-pull',
        from: readId(obj, 'from'),
        join: readBool(obj, 'join'),
        reply: readBool(obj, 'reply'),
        first: readBool(obj, 'first'),
        last: readBool(obj, 'last'),
        members: members.map(readMember),
        ...(bucketCount === 0 ? {} : { bucketCount, wantBuckets: wantBuckets as number[] }),
        ...(fingerprints.length > 0 ? { fingerprints } : {}),
        ...(wantFingerprints.length > 0 ? { wantFingerprints } : {}),
      };
    }
    case 'digest': {
      const bucketCount = readBucketCount(obj);
      if (bucketCount === 0) fail('digest has no bucket');
      const bytes = obj.checksums;
      if (!(bytes instanceof Uint8Array) || bytes.length !== bucketCount * 4)
        fail('checksums do not match bucketCount');
      const checksums = readU32s(bytes);
      return {
        kind: 'digest',
        from: readId(obj, 'from'),
        bucketCount,
        checksums,
        ...(obj.answerFingerprints === true ? { answerFingerprints: true } : {}),
      };
    }
    // Stryker disable all: the decoder sets `body` only to a field of the schema, each one a case
    default:
      return fail(`unknown message ${body}`);
    // Stryker restore all
  }
}

/**
 * Decodes and validates one datagram. Throws {@link DecodeError} for anything malformed: bad
 * protobuf, another protocol version, no messages, missing or oversized fields.
 */
export function decodeDatagram(bytes: Uint8Array): GossipMessage[] {
  let decoded: WireObject;
  try {
    // A Buffer view (no copy) lets protobufjs use Node's native string decoding.
    const view = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    decoded = DatagramType.decode(view) as unknown as WireObject;
  } catch (error) {
    throw new DecodeError(`not a gossip datagram: ${(error as Error).message}`, { cause: error });
  }
  if (decoded.version !== PROTOCOL_VERSION)
    fail(`unsupported protocol version ${String(decoded.version)}`);
  const messages = decoded.messages;
  if (!Array.isArray(messages) || messages.length === 0) fail('datagram carries no message');
  if (messages.length > DECODE_LIMITS.maxMessagesPerDatagram) fail('too many messages');
  return messages.map((envelope) => fromWire(asObject(envelope, 'message')));
}

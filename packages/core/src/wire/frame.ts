/** Bytes before every frame's payload: length (u32), type (u8), flags (u8), call id (u32). */
export const FRAME_HEADER_BYTES = 10;

/** Wire protocol version spoken by this implementation (see docs/rpc-wire-protocol.md). */
export const PROTOCOL_VERSION = 1;

/** Protocol name carried in HELLO so that a non-rpcnet peer is rejected at once. */
export const PROTOCOL_NAME = 'rpcnet';

/** Frame types; the numeric values are part of the wire format. */
export const FrameType = {
  HELLO: 1,
  REQUEST: 2,
  MESSAGE: 3,
  HALF_CLOSE: 4,
  HEADERS: 5,
  TRAILERS: 6,
  CANCEL: 7,
  WINDOW_UPDATE: 8,
  PING: 9,
  GOAWAY: 10,
} as const;

/** One of the {@link FrameType} values. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const knownTypes: ReadonlySet<number> = new Set(Object.values(FrameType));

/** True when `value` is a frame type this version understands. */
export function isFrameType(value: number): value is FrameType {
  return knownTypes.has(value);
}

/** Flag bits; their meaning depends on the frame type. */
export const FrameFlag = {
  /**
   * MESSAGE: the sender half-closes after this message (saves a HALF_CLOSE frame). From a
   * server (with {@link ProtocolFeature.IMPLICIT_OK_TRAILERS}): the call ended OK.
   */
  END_STREAM: 0x01,
  /** PING: this is the answer to a PING. */
  ACK: 0x01,
  /**
   * REQUEST (with {@link ProtocolFeature.REQUEST_WITH_MESSAGE}): the payload is
   * varint(body length), the Request body, then the single request message; the request stream
   * ends with it, like MESSAGE|END_STREAM.
   */
  WITH_MESSAGE: 0x01,
} as const;

/**
 * Optional protocol features, announced as bits of HELLO `features`. A side uses one only
 * after the peer's HELLO announced it, so peers without it see the plain version-1 protocol.
 */
export const ProtocolFeature = {
  /**
   * The client understands a server MESSAGE flagged END_STREAM as the call's last message
   * with an OK status and no trailers (no TRAILERS frame follows): one frame less per call.
   */
  IMPLICIT_OK_TRAILERS: 0x01,
  /**
   * The server accepts a REQUEST flagged WITH_MESSAGE that carries the call's single request
   * message too (see {@link encodeRequestWithMessage}): one frame less per unary call.
   */
  REQUEST_WITH_MESSAGE: 0x02,
} as const;

/** Every {@link ProtocolFeature} this implementation speaks. */
export const SUPPORTED_FEATURES =
  ProtocolFeature.IMPLICIT_OK_TRAILERS | ProtocolFeature.REQUEST_WITH_MESSAGE;

/** A decoded frame. `payload` is a view into the received bytes. */
export interface Frame {
  readonly type: FrameType;
  readonly flags: number;
  readonly callId: number;
  readonly payload: Uint8Array;
}

/** Largest call id; ids are u32 and 0 is reserved for connection-level frames. */
export const MAX_CALL_ID = 0xffff_ffff;

/** Writes a frame header for a payload of `payloadLength` bytes into `target` at `offset`. */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  payloadLength: number,
  type: FrameType,
  flags: number,
  callId: number,
): void {
  target[offset] = payloadLength >>> 24;
  target[offset + 1] = (payloadLength >>> 16) & 0xff;
  target[offset + 2] = (payloadLength >>> 8) & 0xff;
  target[offset + 3] = payloadLength & 0xff;
  target[offset + 4] = type;
  target[offset + 5] = flags;
  target[offset + 6] = callId >>> 24;
  target[offset + 7] = (callId >>> 16) & 0xff;
  target[offset + 8] = (callId >>> 8) & 0xff;
  target[offset + 9] = callId & 0xff;
}

/**
 * An uninitialised byte array that the caller fills completely. Small ones come from Node's
 * shared pool: a `new Uint8Array` per frame costs a zeroed backing store, and V8 counts every
 * backing store as external memory, which triggers garbage collections on busy connections.
 */
export function allocateBytes(length: number): Uint8Array {
  const pooled = Buffer.allocUnsafe(length);
  // A plain Uint8Array view: callers keep Uint8Array semantics (`slice` copies).
  return new Uint8Array(pooled.buffer, pooled.byteOffset, length);
}

/** Encodes one frame into a fresh buffer (the writer batches frames without this copy). */
export function encodeFrame(
  type: FrameType,
  flags: number,
  callId: number,
  payload: Uint8Array,
): Uint8Array {
  const out = allocateBytes(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, callId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Builds the payload of a REQUEST flagged {@link FrameFlag.WITH_MESSAGE}. */
export function encodeRequestWithMessage(body: Uint8Array, message: Uint8Array): Uint8Array {
  let prefix = 1;
  for (let rest = body.length >>> 7; rest > 0; rest >>>= 7) prefix += 1;
  const out = allocateBytes(prefix + body.length + message.length);
  let at = 0;
  let value = body.length;
  while (value > 0x7f) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  out.set(body, at);
  out.set(message, at + body.length);
  return out;
}

/** Splits a REQUEST|WITH_MESSAGE payload; undefined when the length prefix is malformed. */
export function decodeRequestWithMessage(
  payload: Uint8Array,
): { body: Uint8Array; message: Uint8Array } | undefined {
  let length = 0;
  let at = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (at >= payload.length) return undefined;
    const byte = payload[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (at + length > payload.length) return undefined;
      return { body: payload.subarray(at, at + length), message: payload.subarray(at + length) };
    }
  }
  return undefined;
}

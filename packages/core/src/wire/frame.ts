/** Bytes before every frame's payload: length (u32), type (u8), flags (u8), call id (u32). */
export const FRAME_HEADER_BYTES = 10;

/** Wire protocol version spoken by this implementation (see docs/protocol.md). */
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
  /** MESSAGE: the sender half-closes after this message (saves a HALF_CLOSE frame). */
  END_STREAM: 0x01,
  /** PING: this is the answer to a PING. */
  ACK: 0x01,
} as const;

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

/** Encodes one frame into a fresh buffer (the writer batches frames without this copy). */
export function encodeFrame(
  type: FrameType,
  flags: number,
  callId: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, callId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

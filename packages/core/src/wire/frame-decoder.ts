import { ErrorCode, ProtocolError } from '../errors.js';
import { FRAME_HEADER_BYTES, type Frame, isFrameType } from './frame.js';

/** Where the decoder delivers what it finds. */
export interface FrameSink {
  onFrame(frame: Frame): void;
  /** A bad frame: counted by the caller; `error.fatal` says whether the stream is still usable. */
  onProtocolError(error: ProtocolError): void;
}

/**
 * Splits a byte stream into frames whatever the chunking. Oversized and unknown frames are
 * skipped (the length prefix keeps the stream in sync) and reported as protocol errors.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #sink: FrameSink;
  /** Chunks of an incomplete frame, joined only once the whole frame is there. */
  // Stryker disable next-line ArrayDeclaration: replaced before it is read
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Bytes the incomplete frame needs in total (0 while its header is incomplete). */
  #needed = 0;
  /** Payload bytes still to discard from a skipped (oversized) frame. */
  #skipRemaining = 0;

  constructor(maxFrameBytes: number, sink: FrameSink) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#sink = sink;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    let data = chunk;
    // Stryker disable next-line EqualityOperator: at 0 both ways do the same
    if (this.#skipRemaining > 0) {
      const skipped = Math.min(this.#skipRemaining, data.length);
      this.#skipRemaining -= skipped;
      data = data.subarray(skipped);
      // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
      if (data.length === 0) return;
    }
    // Stryker disable next-line EqualityOperator: at 0 both ways do the same
    if (this.#pendingBytes > 0) {
      this.#pending.push(data);
      this.#pendingBytes += data.length;
      // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
      if (this.#needed === 0) {
        // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
        if (this.#pendingBytes < FRAME_HEADER_BYTES) return;
        const head = this.#joinPending();
        this.#pending = [head];
        this.#needed = this.#frameBytesNeeded(head);
      }
      // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
      if (this.#pendingBytes < this.#needed) return;
      data = this.#joinPending();
      // Stryker disable next-line ArrayDeclaration: replaced before it is read
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#needed = 0;
    }
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = readLength(data, offset);
      const type = data[offset + 4]!;
      const flags = data[offset + 5]!;
      const callId =
        ((data[offset + 6]! << 24) >>> 0) +
        (data[offset + 7]! << 16) +
        (data[offset + 8]! << 8) +
        data[offset + 9]!;
      if (length > this.#maxFrameBytes) {
        const available = data.length - offset - FRAME_HEADER_BYTES;
        const skipped = Math.min(length, available);
        this.#skipRemaining = length - skipped;
        offset += FRAME_HEADER_BYTES + skipped;
        this.#sink.onProtocolError(
          new ProtocolError(
            `frame of ${length} bytes exceeds the limit of ${this.#maxFrameBytes}`,
            callId,
            false,
            ErrorCode.RESOURCE_EXHAUSTED,
            type,
          ),
        );
        // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
        if (this.#skipRemaining > 0) return;
        continue;
      }
      const end = offset + FRAME_HEADER_BYTES + length;
      if (end > data.length) break;
      const payload = data.subarray(offset + FRAME_HEADER_BYTES, end);
      offset = end;
      if (!isFrameType(type)) {
        // Reported against the connection: an unknown frame is dropped, its call goes on.
        this.#sink.onProtocolError(
          new ProtocolError(
            `unknown frame type ${type} (call ${callId})`,
            0,
            false,
            undefined,
            type,
          ),
        );
        continue;
      }
      this.#sink.onFrame({ type, flags, callId, payload });
    }
    // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
    if (offset < data.length) {
      const rest = data.slice(offset);
      this.#pending = [rest];
      this.#pendingBytes = rest.length;
      // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
      this.#needed = rest.length >= FRAME_HEADER_BYTES ? this.#frameBytesNeeded(rest) : 0;
    }
  }

  /** Total bytes to wait for before decoding the frame that starts `head` (oversized: header only). */
  // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
  #frameBytesNeeded(head: Uint8Array): number {
    const length = readLength(head, 0);
    // Stryker disable next-line all: a shortcut; without it the same frames and errors come out
    return length > this.#maxFrameBytes ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + length;
  }

  #joinPending(): Uint8Array {
    if (this.#pending.length === 1) return this.#pending[0]!;
    const joined = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const part of this.#pending) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }

  /** The stream ended: a partial frame left over is reported as truncated input. */
  finish(): void {
    if (this.#pendingBytes > 0 || this.#skipRemaining > 0) {
      const held = this.#pendingBytes;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#needed = 0;
      this.#skipRemaining = 0;
      this.#sink.onProtocolError(
        new ProtocolError(`stream ended inside a frame (${held} bytes buffered)`, 0, true),
      );
    }
  }
}

function readLength(data: Uint8Array, offset: number): number {
  return (
    ((data[offset]! << 24) >>> 0) +
    (data[offset + 1]! << 16) +
    (data[offset + 2]! << 8) +
    data[offset + 3]!
  );
}

import { describe, expect, it } from 'vitest';
import { ErrorCode, type ProtocolError } from '../src/errors.js';
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  type Frame,
  FrameType,
  writeFrameHeader,
} from '../src/wire/frame.js';
import { FrameDecoder } from '../src/wire/frame-decoder.js';

const MAX = 256;

function collect(maxFrameBytes = MAX) {
  const frames: Frame[] = [];
  const errors: ProtocolError[] = [];
  const decoder = new FrameDecoder(maxFrameBytes, {
    onFrame: (frame) => frames.push({ ...frame, payload: frame.payload.slice() }),
    onProtocolError: (error) => errors.push(error),
  });
  return { decoder, frames, errors };
}

function payloadOf(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('frame encoding and decoding', () => {
  it('round-trips header fields, including the largest call id and every flag bit', () => {
    const { decoder, frames } = collect();
    decoder.push(encodeFrame(FrameType.MESSAGE, 0xff, 0xffff_ffff, payloadOf(3)));
    decoder.push(encodeFrame(FrameType.GOAWAY, 0, 0, new Uint8Array(0)));
    expect(frames).toEqual([
      { type: FrameType.MESSAGE, flags: 0xff, callId: 0xffff_ffff, payload: payloadOf(3) },
      { type: FrameType.GOAWAY, flags: 0, callId: 0, payload: new Uint8Array(0) },
    ]);
  });

  it.each([0, 1, 2, FRAME_HEADER_BYTES, MAX - 1, MAX])(
    'round-trips a payload of %i bytes (limit %i inclusive)',
    (length) => {
      const { decoder, frames, errors } = collect();
      decoder.push(encodeFrame(FrameType.MESSAGE, 0, 7, payloadOf(length)));
      expect(errors).toEqual([]);
      expect(frames).toHaveLength(1);
      expect(frames[0]?.payload).toEqual(payloadOf(length));
    },
  );

  it('decodes the same frames whatever the chunking: split at every offset', () => {
    const stream = concat([
      encodeFrame(FrameType.REQUEST, 0, 1, payloadOf(40, 1)),
      encodeFrame(FrameType.MESSAGE, 1, 1, payloadOf(0)),
      encodeFrame(FrameType.MESSAGE, 0, 2, payloadOf(MAX, 2)),
      encodeFrame(FrameType.TRAILERS, 0, 2, payloadOf(5, 3)),
    ]);
    const { decoder: reference, frames: expected } = collect();
    reference.push(stream);
    expect(expected).toHaveLength(4);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { decoder, frames, errors } = collect();
      decoder.push(stream.subarray(0, cut));
      decoder.push(stream.subarray(cut));
      expect(errors).toEqual([]);
      expect(frames).toEqual(expected);
    }
    // Tens of thousands of cuts of a large frame: well under a second here, 5.4 s once at load 10.
  }, 30_000);

  it('decodes byte by byte and in three uneven pieces', () => {
    const stream = concat([
      encodeFrame(FrameType.MESSAGE, 0, 3, payloadOf(100)),
      encodeFrame(FrameType.HALF_CLOSE, 0, 3, payloadOf(0)),
    ]);
    const single = collect();
    for (const byte of stream) single.decoder.push(Uint8Array.of(byte));
    expect(single.frames.map((frame) => frame.type)).toEqual([
      FrameType.MESSAGE,
      FrameType.HALF_CLOSE,
    ]);
    expect(single.frames[0]?.payload).toEqual(payloadOf(100));
    for (let a = 1; a < stream.length; a += 13) {
      for (let b = a; b < stream.length; b += 17) {
        const { decoder, frames } = collect();
        decoder.push(stream.subarray(0, a));
        decoder.push(stream.subarray(a, b));
        decoder.push(stream.subarray(b));
        expect(frames).toEqual(single.frames);
      }
    }
  });

  it('skips an oversized frame without buffering it, reports RESOURCE_EXHAUSTED, and stays in sync', () => {
    const oversized = encodeFrame(FrameType.MESSAGE, 0, 9, payloadOf(MAX + 1));
    const next = encodeFrame(FrameType.MESSAGE, 0, 10, payloadOf(4));
    const stream = concat([oversized, next]);
    for (const chunk of [stream.length, 11, 1]) {
      const { decoder, frames, errors } = collect();
      for (let at = 0; at < stream.length; at += chunk)
        decoder.push(stream.subarray(at, at + chunk));
      expect(errors).toHaveLength(1);
      expect(errors[0]?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
      expect(errors[0]?.callId).toBe(9);
      expect(errors[0]?.fatal).toBe(false);
      expect(decoder.bufferedBytes).toBe(0);
      expect(frames).toEqual([
        { type: FrameType.MESSAGE, flags: 0, callId: 10, payload: payloadOf(4) },
      ]);
    }
  });

  it('reports an unknown frame type as a protocol error and decodes what follows', () => {
    const unknown = encodeFrame(FrameType.MESSAGE, 0, 4, payloadOf(6));
    unknown[4] = 0xee;
    const { decoder, frames, errors } = collect();
    decoder.push(concat([unknown, encodeFrame(FrameType.CANCEL, 0, 4, payloadOf(2))]));
    expect(errors.map((error) => [error.code, error.callId, error.fatal])).toEqual([
      [ErrorCode.PROTOCOL_ERROR, 0, false],
    ]);
    expect(frames.map((frame) => frame.type)).toEqual([FrameType.CANCEL]);
  });

  it.each([1, FRAME_HEADER_BYTES - 1, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 5])(
    'reports input truncated after %i bytes as a fatal protocol error at the end of the stream',
    (cut) => {
      const { decoder, frames, errors } = collect();
      decoder.push(encodeFrame(FrameType.MESSAGE, 0, 1, payloadOf(20)).subarray(0, cut));
      expect(frames).toEqual([]);
      decoder.finish();
      expect(errors).toHaveLength(1);
      expect(errors[0]?.fatal).toBe(true);
    },
  );

  it('names the bytes it held when the stream ends inside a frame', () => {
    const { decoder, errors } = collect();
    decoder.push(encodeFrame(FrameType.MESSAGE, 0, 1, payloadOf(20)).subarray(0, 14));
    decoder.finish();
    expect(errors.map((error) => [error.message, error.callId, error.fatal])).toEqual([
      ['stream ended inside a frame (14 bytes buffered)', 0, true],
    ]);
    decoder.finish();
    expect(errors).toHaveLength(1);
  });

  it('reports a stream that ends while an oversized frame is being skipped', () => {
    const { decoder, errors } = collect();
    decoder.push(encodeFrame(FrameType.MESSAGE, 0, 3, payloadOf(MAX + 50)).subarray(0, 40));
    expect(errors.map((error) => error.code)).toEqual([ErrorCode.RESOURCE_EXHAUSTED]);
    expect(decoder.bufferedBytes).toBe(0);
    decoder.finish();
    expect(errors.slice(1).map((error) => [error.message, error.fatal])).toEqual([
      ['stream ended inside a frame (0 bytes buffered)', true],
    ]);
  });

  it('reads all four bytes of the length: 65,540 = 00 01 00 04', () => {
    const { decoder, errors } = collect();
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    writeFrameHeader(header, 0, 65_540, FrameType.MESSAGE, 0, 5);
    expect([...header.subarray(0, 4)]).toEqual([0, 1, 0, 4]);
    decoder.push(header);
    expect(errors.map((error) => error.message)).toEqual([
      `frame of 65540 bytes exceeds the limit of ${MAX}`,
    ]);
  });

  it('reports nothing at the end of a stream that ended on a frame boundary', () => {
    const { decoder, errors } = collect();
    decoder.push(encodeFrame(FrameType.PING, 0, 0, payloadOf(8)));
    decoder.finish();
    expect(errors).toEqual([]);
  });

  it('reports every bad frame of a mixed stream exactly, however it is chunked', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const below = (n: number) => Math.floor(random() * n);
    // Good frames, frames of unknown types (11..255) and oversized frames, each with its verdict.
    const parts: Uint8Array[] = [];
    const expectedFrames: Frame[] = [];
    const expectedErrors: Array<[string | undefined, number, boolean]> = [];
    for (let i = 0; i < 200; i++) {
      const callId = below(0x1_0000_0000);
      const flags = below(256);
      const kind = below(4);
      const length = kind === 3 ? MAX + 1 + below(100) : below(MAX + 1);
      const payload = payloadOf(length, i);
      const type = kind === 2 ? 11 + below(245) : 1 + below(10);
      const frame = concat([new Uint8Array(FRAME_HEADER_BYTES), payload]);
      writeFrameHeader(frame, 0, length, type as FrameType, flags, callId);
      parts.push(frame);
      if (kind === 3) expectedErrors.push([ErrorCode.RESOURCE_EXHAUSTED, callId, false]);
      else if (kind === 2) expectedErrors.push([undefined, 0, false]);
      else expectedFrames.push({ type: type as FrameType, flags, callId, payload });
    }
    // A frame cut short at the end of the stream.
    parts.push(encodeFrame(FrameType.MESSAGE, 0, 1, payloadOf(20)).subarray(0, 15));
    expectedErrors.push([undefined, 0, true]);
    const stream = concat(parts);
    for (const maxChunk of [stream.length, 64, 7, 1]) {
      const { decoder, frames, errors } = collect();
      for (let at = 0; at < stream.length; ) {
        const size = maxChunk === 1 ? 1 : Math.min(stream.length - at, 1 + below(maxChunk));
        decoder.push(stream.subarray(at, at + size));
        at += size;
      }
      decoder.finish();
      expect(frames).toEqual(expectedFrames);
      expect(
        errors.filter((error) => error.code === ErrorCode.RESOURCE_EXHAUSTED)[0]?.message,
      ).toMatch(/^frame of \d+ bytes exceeds the limit of 256$/);
      expect(errors.find((error) => /unknown/.test(error.message))?.message).toMatch(
        /^unknown frame type \d+ \(call \d+\)$/,
      );
      expect(errors.map((error) => [error.code, error.callId, error.fatal])).toEqual(
        expectedErrors.map(([code, callId, fatal]) => [
          code ?? ErrorCode.PROTOCOL_ERROR,
          callId,
          fatal,
        ]),
      );
    }
  });
});

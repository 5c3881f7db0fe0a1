import { describe, expect, it } from 'vitest';
import { CoalescingWriter } from '../src/wire/coalescing-writer.js';
import type { Frame } from '../src/wire/frame.js';
import { FrameType } from '../src/wire/frame.js';
import { FrameDecoder } from '../src/wire/frame-decoder.js';

function decodeAll(writes: Uint8Array[]): Frame[] {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(1 << 20, {
    onFrame: (frame) => frames.push(frame),
    onProtocolError: (error) => {
      throw error;
    },
  });
  for (const write of writes) decoder.push(write);
  return frames;
}

/** A transport write whose completion the test controls. */
function controlledWrite() {
  const writes: Uint8Array[] = [];
  const pending: Array<() => void> = [];
  return {
    writes,
    pending,
    write: (data: Uint8Array) =>
      new Promise<void>((resolve) => {
        writes.push(data);
        pending.push(resolve);
      }),
  };
}

describe('CoalescingWriter', () => {
  it('sends every frame queued in one event-loop turn as a single write', async () => {
    const sink = controlledWrite();
    const flushes: Array<() => void> = [];
    const writer = new CoalescingWriter(sink.write, () => undefined, {
      highWaterBytes: 1 << 20,
      schedule: (flush) => flushes.push(flush),
    });
    for (let i = 1; i <= 64; i++) writer.enqueue(FrameType.MESSAGE, 0, i, Uint8Array.of(i));
    expect(flushes).toHaveLength(1);
    expect(sink.writes).toHaveLength(0);
    flushes[0]?.();
    expect(sink.writes).toHaveLength(1);
    expect(decodeAll(sink.writes).map((frame) => frame.callId)).toEqual(
      Array.from({ length: 64 }, (_, i) => i + 1),
    );
  });

  it('accumulates frames while a write is in flight and sends them together afterwards', async () => {
    const sink = controlledWrite();
    const writer = new CoalescingWriter(sink.write, () => undefined, { highWaterBytes: 1 << 20 });
    writer.enqueue(FrameType.MESSAGE, 0, 1, Uint8Array.of(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.writes).toHaveLength(1);
    for (let i = 2; i <= 10; i++) {
      writer.enqueue(FrameType.MESSAGE, 0, i, Uint8Array.of(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sink.writes).toHaveLength(1);
    sink.pending[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.writes).toHaveLength(2);
    expect(decodeAll(sink.writes.slice(1)).map((frame) => frame.callId)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    sink.pending[1]?.();
    await writer.idle();
    expect(writer.bufferedBytes).toBe(0);
  });

  it('makes writable() wait above the high-water mark until the next flush', async () => {
    const sink = controlledWrite();
    const writer = new CoalescingWriter(sink.write, () => undefined, { highWaterBytes: 100 });
    writer.enqueue(FrameType.MESSAGE, 0, 1, new Uint8Array(10));
    await new Promise((resolve) => setImmediate(resolve));
    writer.enqueue(FrameType.MESSAGE, 0, 2, new Uint8Array(200));
    let ready = false;
    const waiting = writer.writable().then(() => {
      ready = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    sink.pending[0]?.();
    await waiting;
    expect(ready).toBe(true);
    expect(sink.writes).toHaveLength(2);
  });

  it('reports a failed write once, then rejects writers and drops later frames', async () => {
    const errors: Error[] = [];
    let writes = 0;
    const writer = new CoalescingWriter(
      () => {
        writes += 1;
        return Promise.reject(new Error('write 0'));
      },
      (error) => errors.push(error),
      { highWaterBytes: 16 },
    );
    writer.enqueue(FrameType.MESSAGE, 0, 1, new Uint8Array(32));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(writer.writable()).rejects.toThrow('write 0');
    writer.enqueue(FrameType.MESSAGE, 0, 2, new Uint8Array(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((error) => error.message)).toEqual(['write 0']);
    expect(writes).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { BurstReader } from '../../src/quic/classic/burst-reader.js';

/** A stream whose chunks the test enqueues by hand. */
function handStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
  });
  return { reader: stream.getReader(), controller };
}

describe('BurstReader', () => {
  it('returns every chunk that arrived before the turn ended as one burst', async () => {
    const { reader, controller } = handStream();
    const bursts = new BurstReader(reader);
    const next = bursts.next();
    controller.enqueue(Uint8Array.of(1));
    // Arrives while the reader waits for the turn to end: same burst.
    setImmediate(() => controller.enqueue(Uint8Array.of(2)));
    expect((await next)?.map((chunk) => [...chunk])).toEqual([[1], [2]]);
  });

  it('waits for the next chunk when nothing is queued, and keeps that read for the next burst', async () => {
    const { reader, controller } = handStream();
    const bursts = new BurstReader(reader, () => Promise.resolve());
    controller.enqueue(Uint8Array.of(1));
    expect((await bursts.next())?.map((chunk) => [...chunk])).toEqual([[1]]);
    const second = bursts.next();
    let settled = false;
    void second.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    controller.enqueue(Uint8Array.of(2));
    controller.enqueue(Uint8Array.of(3));
    expect((await second)?.map((chunk) => [...chunk])).toEqual([[2], [3]]);
  });

  it('returns the last burst, then undefined once the stream ended', async () => {
    const { reader, controller } = handStream();
    const bursts = new BurstReader(reader, () => Promise.resolve());
    controller.enqueue(Uint8Array.of(9));
    controller.close();
    expect((await bursts.next())?.map((chunk) => [...chunk])).toEqual([[9]]);
    expect(await bursts.next()).toBeUndefined();
    expect(await bursts.next()).toBeUndefined();
  });

  it('rejects when the stream fails', async () => {
    const { reader, controller } = handStream();
    const bursts = new BurstReader(reader, () => Promise.resolve());
    controller.error(new Error('reset by peer'));
    await expect(bursts.next()).rejects.toThrow('reset by peer');
  });
});

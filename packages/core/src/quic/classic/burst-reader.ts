/** Settles after any read that is already settled: marks a read that has to wait. */
const NOT_READY = Promise.resolve('not ready' as const);

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/** Lets the rest of the current event-loop turn run (its I/O callbacks included). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Reads a QUIC stream in bursts. The library hands over data per UDP packet and every pull of
 * the stream costs it a connection `send()` (locks, timers, events), so reading after each
 * packet is expensive. This reader waits for the first chunk, lets the event-loop turn finish
 * (the other packets of the burst land in QUIC's buffer meanwhile), then takes everything that
 * is ready without waiting: one pull for the rest of the burst instead of one per packet.
 */
export class BurstReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #yieldTurn: () => Promise<void>;
  #pending: Promise<ReadResult> | undefined;
  #done = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, yieldTurn = nextTurn) {
    this.#reader = reader;
    this.#yieldTurn = yieldTurn;
  }

  /** The chunks of the next burst (never empty), or undefined once the stream ended. */
  async next(): Promise<Uint8Array[] | undefined> {
    if (this.#done) return undefined;
    const first = await this.#take();
    if (first.done) {
      this.#done = true;
      return undefined;
    }
    const chunks = [first.value];
    await this.#yieldTurn();
    for (;;) {
      const pending = this.#reader.read();
      // A read of a chunk already queued settles at once and wins the race; otherwise keep it.
      const ready = await Promise.race([pending, NOT_READY]);
      if (ready === 'not ready') {
        pending.catch(() => {});
        this.#pending = pending;
        return chunks;
      }
      if (ready.done) {
        this.#done = true;
        return chunks;
      }
      chunks.push(ready.value);
    }
  }

  #take(): Promise<ReadResult> {
    const pending = this.#pending ?? this.#reader.read();
    this.#pending = undefined;
    return pending;
  }
}

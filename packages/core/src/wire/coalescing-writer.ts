import { allocateBytes, FRAME_HEADER_BYTES, type FrameType, writeFrameHeader } from './frame.js';

interface QueuedFrame {
  type: FrameType;
  flags: number;
  callId: number;
  payload: Uint8Array;
}

/** Writer settings. */
export interface CoalescingWriterOptions {
  /** Buffered bytes above which {@link CoalescingWriter.writable} waits. */
  highWaterBytes: number;
  /** Runs `flush` once the current event-loop turn is over (setImmediate by default). */
  schedule?: (flush: () => void) => void;
}

/**
 * Queues frames and sends everything queued in the same event-loop turn as ONE transport write
 * (the transport pays per packet, not per byte). While a write is in flight, frames keep
 * accumulating and leave together when it completes.
 */
export class CoalescingWriter {
  readonly #write: (data: Uint8Array) => Promise<void>;
  readonly #onError: (error: Error) => void;
  readonly #highWaterBytes: number;
  readonly #schedule: (flush: () => void) => void;
  #queue: QueuedFrame[] = [];
  #queuedBytes = 0;
  #scheduled = false;
  #writing = false;
  #failed: Error | undefined;
  #drainWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #idleWaiters: Array<() => void> = [];
  /** Number of batches handed to the transport so far. */
  #batchesWritten = 0;

  constructor(
    write: (data: Uint8Array) => Promise<void>,
    onError: (error: Error) => void,
    options: CoalescingWriterOptions,
  ) {
    this.#write = write;
    this.#onError = onError;
    this.#highWaterBytes = options.highWaterBytes;
    this.#schedule = options.schedule ?? ((flush) => setImmediate(flush));
  }

  /** Bytes queued and not yet handed to the transport. */
  get bufferedBytes(): number {
    return this.#queuedBytes;
  }

  /** Sequence number of the batch the next frame joins; compare with {@link batchesWritten}. */
  get nextBatch(): number {
    return this.#batchesWritten + 1;
  }

  /** Batches handed to the transport (a frame in a later batch certainly never left). */
  get batchesWritten(): number {
    return this.#batchesWritten;
  }

  /** Queues one frame; it leaves with everything else queued in this turn. */
  enqueue(type: FrameType, flags: number, callId: number, payload: Uint8Array): void {
    if (this.#failed !== undefined) return;
    this.#queue.push({ type, flags, callId, payload });
    this.#queuedBytes += FRAME_HEADER_BYTES + payload.length;
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      this.#schedule(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
  }

  /** True while buffered bytes are at or above the high-water mark: {@link writable} would wait. */
  get blocked(): boolean {
    return this.#failed !== undefined || this.#queuedBytes >= this.#highWaterBytes;
  }

  /** Resolves once buffered bytes are below the high-water mark (the backpressure signal). */
  writable(): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#queuedBytes < this.#highWaterBytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Resolves when everything queued so far has been written (or the writer failed). */
  idle(): Promise<void> {
    if (this.#failed !== undefined || (this.#queue.length === 0 && !this.#writing)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops everything queued and fails waiters; later frames are ignored. */
  fail(error: Error): void {
    if (this.#failed !== undefined) return;
    this.#failed = error;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(error);
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #flush(): void {
    if (this.#writing || this.#queue.length === 0 || this.#failed !== undefined) return;
    const frames = this.#queue;
    const batch = allocateBytes(this.#queuedBytes);
    this.#queue = [];
    this.#queuedBytes = 0;
    let offset = 0;
    for (const frame of frames) {
      writeFrameHeader(batch, offset, frame.payload.length, frame.type, frame.flags, frame.callId);
      batch.set(frame.payload, offset + FRAME_HEADER_BYTES);
      offset += FRAME_HEADER_BYTES + frame.payload.length;
    }
    this.#writing = true;
    this.#batchesWritten += 1;
    for (const waiter of this.#drainWaiters.splice(0)) waiter.resolve();
    this.#write(batch).then(
      () => {
        this.#writing = false;
        if (this.#queue.length > 0) this.#flush();
        else for (const resolve of this.#idleWaiters.splice(0)) resolve();
      },
      (error: unknown) => {
        this.#writing = false;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.fail(failure);
        this.#onError(failure);
      },
    );
  }
}

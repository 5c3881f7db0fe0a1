/** Hooks of a {@link MessageQueue}. */
export interface MessageQueueHooks {
  /** The consumer took a message of `bytes` bytes (flow-control credit to return). */
  onConsumed(bytes: number): void;
  /** The consumer stopped iterating early (break/return): the call should be cancelled. */
  onAbandoned(): void;
}

type Waiter = {
  resolve: (result: IteratorResult<Uint8Array, undefined>) => void;
  reject: (error: unknown) => void;
};

/**
 * Inbound messages of one call as an async iterable: the receive side of a stream. Bytes held
 * are bounded by the flow-control window the peer honours.
 */
export class MessageQueue implements AsyncIterable<Uint8Array> {
  readonly #hooks: MessageQueueHooks;
  #buffer: Uint8Array[] = [];
  #head = 0;
  #bufferedBytes = 0;
  #ended = false;
  #error: unknown;
  #failed = false;
  #waiter: Waiter | undefined;
  #iterating = false;

  constructor(hooks: MessageQueueHooks) {
    this.#hooks = hooks;
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** True once the sender half-closed or the queue failed. */
  get finished(): boolean {
    return this.#ended || this.#failed;
  }

  /** Adds a message from the peer. Ignored after end or failure. */
  push(message: Uint8Array): void {
    if (this.finished) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      this.#hooks.onConsumed(message.length);
      waiter.resolve({ value: message, done: false });
      return;
    }
    this.#buffer.push(message);
    this.#bufferedBytes += message.length;
  }

  /** The peer sent its last message. */
  end(): void {
    if (this.finished) return;
    this.#ended = true;
    this.#settleWaiter();
  }

  /**
   * Ends the stream with an error, raised after the buffered messages when `keepBuffered` is
   * set (the peer's final status) and at once otherwise (a local cancellation).
   */
  fail(error: unknown, keepBuffered = false): void {
    if (this.finished) return;
    this.#failed = true;
    this.#error = error;
    if (!keepBuffered) {
      this.#buffer = [];
      this.#head = 0;
      this.#bufferedBytes = 0;
    }
    this.#settleWaiter();
  }

  /**
   * Takes a buffered message without waiting (undefined when none is buffered): a single request
   * or response that already arrived costs no promise.
   */
  shift(): Uint8Array | undefined {
    if (this.#head === this.#buffer.length) return undefined;
    const message = this.#buffer[this.#head]!;
    this.#buffer[this.#head] = EMPTY;
    this.#head += 1;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    }
    this.#bufferedBytes -= message.length;
    this.#hooks.onConsumed(message.length);
    return message;
  }

  /** The next message, or undefined at the end of the stream; rejects if the stream failed. */
  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    const message = this.shift();
    if (message !== undefined) return Promise.resolve({ value: message, done: false });
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter !== undefined) {
      return Promise.reject(new Error('concurrent next() calls on a message stream'));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array, undefined> {
    if (this.#iterating) throw new Error('a message stream can be iterated only once');
    this.#iterating = true;
    return {
      next: () => this.next(),
      return: () => {
        if (!this.finished) {
          this.fail(new Error('stream abandoned by its consumer'));
          this.#hooks.onAbandoned();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#failed) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }
}

const EMPTY = new Uint8Array(0);

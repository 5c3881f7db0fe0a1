/**
 * The send side of per-call flow control: bytes the peer has agreed to buffer. A message may be
 * sent while any credit remains (credit can go negative by one message, so a message larger
 * than the window never deadlocks); WINDOW_UPDATE frames add credit back.
 */
export class SendCredit {
  #available: number;
  #waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #error: unknown;
  #failed = false;

  constructor(initial: number) {
    this.#available = initial;
  }

  /** Credit left in bytes (may be negative). */
  get available(): number {
    return this.#available;
  }

  /** Resolves when a message may be sent; rejects once the call ended. */
  ready(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#error);
    if (this.#available > 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Records a sent message. */
  consume(bytes: number): void {
    this.#available -= bytes;
  }

  /** The peer granted `bytes` more. */
  grant(bytes: number): void {
    this.#available += bytes;
    if (this.#available > 0) for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** The call ended: pending and later waits reject with `error`. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }
}

import { type CallOptions, type Clock, ErrorCode, RpcError } from '@rpcnet/core';
import type { ConnectWorker, WorkerConnection, WorkerTarget } from '../../src/index.js';

/** How a fake worker answers one unary call. */
export type FakeUnary = (request: Uint8Array, call: FakeCall) => Promise<Uint8Array> | Uint8Array;

/** How a fake worker answers one streaming call. */
export type FakeStream = (request: Uint8Array, call: FakeCall) => AsyncIterable<Uint8Array>;

/** What a fake handler knows about its call. */
export interface FakeCall {
  readonly workerId: string;
  readonly method: string;
  readonly options: CallOptions;
  /** Never settles on its own: rejects like the core client would on deadline or abort. */
  hang(): Promise<never>;
}

/** A fake connection to one worker: answers through its worker's handlers. */
export class FakeConnection implements WorkerConnection {
  inFlight = 0;
  closed = false;
  closeCalls = 0;
  readonly #listeners = new Set<(error?: Error) => void>();
  readonly #pending = new Set<(error: RpcError) => void>();

  constructor(
    readonly worker: WorkerTarget,
    private readonly workers: FakeWorkers,
  ) {}

  async unary(method: string, request: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    if (this.closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the connection is closed', { notProcessed: true });
    }
    this.inFlight += 1;
    try {
      return await this.#withFailure(
        (call) => this.workers.unaryOf(this.worker.id)(request, call),
        method,
        options,
      );
    } finally {
      this.inFlight -= 1;
    }
  }

  async *serverStream(
    method: string,
    request: Uint8Array,
    options: CallOptions = {},
  ): AsyncGenerator<Uint8Array> {
    if (this.closed) {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'the connection is closed', { notProcessed: true });
    }
    this.inFlight += 1;
    const source = this.workers
      .streamOf(this.worker.id)(request, this.#call(method, options))
      [Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const next = await this.#withFailure(() => source.next(), method, options);
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      this.inFlight -= 1;
      // A consumer that stops early cancels the call: the worker's handler ends too.
      if (!done) await source.return?.(undefined);
    }
  }

  async close(): Promise<void> {
    this.closeCalls += 1;
    this.#end(undefined, 'client closed');
  }

  /** The worker vanished: pending calls fail with UNAVAILABLE and close listeners hear an error. */
  lose(): void {
    this.#end(new Error('peer vanished'), 'connection lost: peer vanished');
  }

  onClose(listener: (error?: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #end(error: Error | undefined, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const fail of [...this.#pending]) fail(new RpcError(ErrorCode.UNAVAILABLE, reason));
    for (const listener of [...this.#listeners]) listener(error);
    this.#listeners.clear();
  }

  #call(method: string, options: CallOptions): FakeCall {
    const clock = this.workers.clock;
    return {
      workerId: this.worker.id,
      method,
      options,
      hang: () =>
        new Promise<never>((_, reject) => {
          if (options.deadline !== undefined) {
            clock.setTimer(options.deadline - clock.now(), () =>
              reject(new RpcError(ErrorCode.DEADLINE_EXCEEDED, 'deadline exceeded')),
            );
          }
          options.signal?.addEventListener('abort', () =>
            reject(new RpcError(ErrorCode.CANCELLED, 'cancelled by the caller')),
          );
        }),
    };
  }

  /** Runs `work`, failing it with UNAVAILABLE if the connection ends first. */
  #withFailure<T>(
    work: (call: FakeCall) => Promise<T> | T,
    method: string,
    options: CallOptions,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (error: RpcError) => reject(error);
      this.#pending.add(fail);
      Promise.resolve()
        .then(() => work(this.#call(method, options)))
        .then(resolve, reject)
        .finally(() => this.#pending.delete(fail));
    });
  }
}

/** A set of fake workers: per-worker handlers, reachability and every connection made. */
export class FakeWorkers {
  readonly connections: FakeConnection[] = [];
  readonly dials: string[] = [];
  readonly #unary = new Map<string, FakeUnary>();
  readonly #stream = new Map<string, FakeStream>();
  readonly #unreachable = new Set<string>();
  /** When set, dials wait for `releaseDials()`. */
  holdDials = false;
  #held: Array<() => void> = [];

  constructor(readonly clock: Clock) {}

  /** Every worker answers `<id>:<request>` unless told otherwise. */
  unaryOf(id: string): FakeUnary {
    return this.#unary.get(id) ?? ((request) => new TextEncoder().encode(`${id}:${text(request)}`));
  }

  streamOf(id: string): FakeStream {
    return (
      this.#stream.get(id) ??
      async function* () {
        yield new TextEncoder().encode(id);
      }
    );
  }

  setUnary(id: string, handler: FakeUnary): void {
    this.#unary.set(id, handler);
  }

  setStream(id: string, handler: FakeStream): void {
    this.#stream.set(id, handler);
  }

  setReachable(id: string, reachable: boolean): void {
    if (reachable) this.#unreachable.delete(id);
    else this.#unreachable.add(id);
  }

  /** Lets held dials complete. */
  releaseDials(): void {
    for (const release of this.#held.splice(0)) release();
  }

  /** Connections made to one worker. */
  connectionsTo(id: string): FakeConnection[] {
    return this.connections.filter((connection) => connection.worker.id === id);
  }

  readonly connect: ConnectWorker = async (worker) => {
    this.dials.push(worker.id);
    if (this.holdDials) await new Promise<void>((resolve) => this.#held.push(resolve));
    if (this.#unreachable.has(worker.id)) {
      throw new RpcError(ErrorCode.UNAVAILABLE, `cannot connect to ${worker.rpcAddress}`, {
        notProcessed: true,
      });
    }
    const connection = new FakeConnection(worker, this);
    this.connections.push(connection);
    return connection;
  };
}

/** UTF-8 bytes of `value`. */
export function bytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

/** `value` decoded as UTF-8. */
export function text(value: Uint8Array): string {
  return new TextDecoder().decode(value);
}

import type { ServerInterceptor, ServerRequest, ServerResponse } from './server-interceptor.js';

/**
 * An `RpcServer`'s call counters, kept by a built-in interceptor outermost in every method's
 * chain: a call counts once it reaches the chain, and ends when the chain settles or, for a
 * streaming response, when the stream is done. A call counts as failed when the chain threw or
 * the call failed meanwhile (deadline, client cancel: `context.error` set).
 */
export class ServerCallCounters {
  active = 0;
  started = 0;
  succeeded = 0;
  failed = 0;

  /** The interceptor that keeps these counters. */
  readonly interceptor: ServerInterceptor = (next) => (request) => {
    this.active += 1;
    this.started += 1;
    // `then` rather than an async function: one promise less on every call.
    return next(request).then(
      (response) => this.#responded(response, request),
      (error: unknown) => {
        this.#end(false);
        throw error;
      },
    );
  };

  #responded(response: ServerResponse, request: ServerRequest): ServerResponse {
    const messages = response.messages;
    if (messages === undefined) {
      this.#end(request.context.error === undefined);
      return response;
    }
    return { messages: this.#untilDone(messages, request) };
  }

  async *#untilDone(messages: AsyncIterable<Uint8Array>, request: ServerRequest) {
    let ok = false;
    try {
      yield* messages;
      ok = true;
    } finally {
      this.#end(ok && request.context.error === undefined);
    }
  }

  #end(ok: boolean): void {
    this.active -= 1;
    if (ok) this.succeeded += 1;
    else this.failed += 1;
  }
}

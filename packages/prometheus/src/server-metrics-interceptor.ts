import type { ServerInterceptor, ServerRequest, ServerResponse } from '@rpcnet/core';
import { countingIterable } from './counting-iterable.js';
import type { MethodInstruments, RpcInstruments } from './rpc-instruments.js';
import { statusCodeOf, statusOfCall } from './status-code.js';

/**
 * Records every handled call in `instruments`: duration by status code, in-flight, payload bytes
 * and, for streams, messages per call. `now` reads a monotonic clock in ms.
 */
export function serverMetricsInterceptor(
  instruments: RpcInstruments,
  now: () => number,
): ServerInterceptor {
  return (next) => (request) => {
    const record = new ServerCallRecord(instruments.of(request.method, request.kind), now);
    let passed = request;
    if (request.message !== undefined) {
      record.method.receivedBytes += request.message.length;
    } else if (request.messages !== undefined) {
      passed = {
        ...request,
        messages: countingIterable(request.messages, (message) => record.received(message)),
      };
    }
    // Without an async function: the promises it would make are a good part of a call's cost.
    return next(passed).then(
      (response) => record.responded(response, request),
      (error: unknown) => {
        record.finish(statusCodeOf(error), request);
        throw error;
      },
    );
  };
}

/** One handled call being recorded. */
class ServerCallRecord {
  readonly method: MethodInstruments;
  readonly #now: () => number;
  readonly #started: number;
  #received = 0;
  #finished = false;

  constructor(method: MethodInstruments, now: () => number) {
    this.method = method;
    this.#now = now;
    this.#started = now();
    method.inFlight += 1;
  }

  received(message: Uint8Array): void {
    this.#received += 1;
    this.method.receivedBytes += message.length;
  }

  /** The handler returned: a single response ends the call, a stream once it is sent. */
  responded(response: ServerResponse, request: ServerRequest): ServerResponse {
    const method = this.method;
    if (response.messages === undefined) {
      if (response.message !== undefined) method.sentBytes += response.message.length;
      this.finish(statusOfCall(request.context), request);
      return response;
    }
    let sent = 0;
    return {
      messages: countingIterable(
        response.messages,
        (message) => {
          sent += 1;
          method.sentBytes += message.length;
        },
        ({ error }) => {
          method.sentPerStream.observe(sent);
          this.finish(
            error === undefined ? statusOfCall(request.context) : statusCodeOf(error),
            request,
          );
        },
      ),
    };
  }

  finish(code: string, request: ServerRequest): void {
    if (this.#finished) return;
    this.#finished = true;
    this.method.finished(code, (this.#now() - this.#started) / 1000);
    if (request.messages !== undefined) this.method.receivedPerStream.observe(this.#received);
  }
}

import type { ServerInterceptor, ServerResponse } from '@rpcnet/core';
import { countingIterable } from './counting-iterable.js';
import type { RpcInstruments } from './rpc-instruments.js';
import { statusCodeOf, statusOfCall } from './status-code.js';

/**
 * Records every handled call in `instruments`: duration by status code, in-flight, payload bytes
 * and, for streams, messages per call. `now` reads a monotonic clock in ms.
 */
export function serverMetricsInterceptor(
  instruments: RpcInstruments,
  now: () => number,
): ServerInterceptor {
  return (next) => async (request) => {
    const started = now();
    const method = instruments.of(request.method, request.kind);
    method.inFlight += 1;
    let received = 0;
    let finished = false;
    const finish = (code: string): void => {
      if (finished) return;
      finished = true;
      method.finished(code, (now() - started) / 1000);
      if (request.messages !== undefined) method.receivedPerStream.observe(received);
    };
    if (request.message !== undefined) method.receivedBytes += request.message.length;
    const passed =
      request.messages === undefined
        ? request
        : {
            ...request,
            messages: countingIterable(request.messages, (message) => {
              received += 1;
              method.receivedBytes += message.length;
            }),
          };
    let response: ServerResponse;
    try {
      response = await next(passed);
    } catch (error) {
      finish(statusCodeOf(error));
      throw error;
    }
    if (response.messages === undefined) {
      if (response.message !== undefined) method.sentBytes += response.message.length;
      finish(statusOfCall(request.context));
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
          finish(error === undefined ? statusOfCall(request.context) : statusCodeOf(error));
        },
      ),
    };
  };
}

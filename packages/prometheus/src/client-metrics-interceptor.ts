import type { ClientInterceptor, ClientResponse } from '@rpcnet/core';
import { countingIterable } from './counting-iterable.js';
import type { RpcInstruments } from './rpc-instruments.js';
import { OK, statusCodeOf } from './status-code.js';

/**
 * Records every call made in `instruments`: duration by status code (until the status arrives),
 * in-flight, payload bytes and, for streams, messages per call (received ones once the caller
 * stops reading). `now` reads a monotonic clock in ms.
 */
export function clientMetricsInterceptor(
  instruments: RpcInstruments,
  now: () => number,
): ClientInterceptor {
  return (next) => async (request) => {
    const started = now();
    const method = instruments.of(request.method, request.kind);
    const streamsOut = request.kind === 'clientStream' || request.kind === 'bidiStream';
    const streamsIn = request.kind === 'serverStream' || request.kind === 'bidiStream';
    method.inFlight += 1;
    let sent = 0;
    let received = 0;
    const finish = (code: string): void => {
      method.finished(code, (now() - started) / 1000);
      if (streamsOut) method.sentPerStream.observe(sent);
    };
    let response: ClientResponse;
    try {
      response = await next(request);
    } catch (error) {
      finish(statusCodeOf(error));
      throw error;
    }
    if (request.message !== undefined) method.sentBytes += request.message.length;
    response.trailers.then(
      () => finish(OK),
      (error: unknown) => finish(statusCodeOf(error)),
    );
    return {
      send: streamsOut
        ? (message) => {
            sent += 1;
            method.sentBytes += message.length;
            return response.send(message);
          }
        : (message) => response.send(message),
      end: () => response.end(),
      // Counted as the caller takes them: the status can arrive before the last is read.
      messages: countingIterable(
        response.messages,
        (message) => {
          received += 1;
          method.receivedBytes += message.length;
        },
        () => {
          if (streamsIn) method.receivedPerStream.observe(received);
        },
      ),
      headers: response.headers,
      trailers: response.trailers,
    };
  };
}

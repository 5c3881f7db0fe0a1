import type { ClientInterceptor, ClientRequest, ClientResponse } from '@rpcnet/core';
import { countingIterable } from './counting-iterable.js';
import type { MethodInstruments, RpcInstruments } from './rpc-instruments.js';
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
  return (next) => (request) => {
    const started = now();
    const method = instruments.of(request.method, request.kind);
    method.inFlight += 1;
    // Counted as passed on: a unary call that fails has no response to count it at.
    if (request.message !== undefined) method.sentBytes += request.message.length;
    // Without an async function: the promises it would make are a good part of a call's cost.
    return next(request).then(
      (response) =>
        request.kind === 'unary' && response.receivedBytes !== undefined
          ? observedUnary(response, method, started, now)
          : observed(response, request, method, started, now),
      (error: unknown) => {
        method.finished(statusCodeOf(error), (now() - started) / 1000);
        throw error;
      },
    );
  };
}

/**
 * A unary call's response, handed back unchanged (so the call keeps its direct path). It comes
 * with the call's OK status, so the call's record ends here.
 */
function observedUnary(
  response: ClientResponse,
  method: MethodInstruments,
  started: number,
  now: () => number,
): ClientResponse {
  method.receivedBytes += (response.receivedBytes as () => number)();
  method.finished(OK, (now() - started) / 1000);
  return response;
}

/** `response` with its messages counted; the call's record ends when its status arrives. */
function observed(
  response: ClientResponse,
  request: ClientRequest,
  method: MethodInstruments,
  started: number,
  now: () => number,
): ClientResponse {
  const streamsOut = request.kind === 'clientStream' || request.kind === 'bidiStream';
  const streamsIn = request.kind === 'serverStream' || request.kind === 'bidiStream';
  let sent = 0;
  let received = 0;
  const finish = (code: string): void => {
    method.finished(code, (now() - started) / 1000);
    if (streamsOut) method.sentPerStream.observe(sent);
  };
  const trailers = response.trailers;
  trailers.then(
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
      streamsIn ? () => method.receivedPerStream.observe(received) : undefined,
    ),
    headers: response.headers,
    trailers,
  };
}

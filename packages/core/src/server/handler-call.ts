import { ErrorCode, RpcError } from '../errors.js';
import type { MethodHandler } from '../handlers.js';
import type { ServerCallFn, ServerRequest, ServerResponse } from './server-interceptor.js';

/** The end of a server interceptor chain: runs `registration`'s handler on the request. */
export function handlerCallFn(registration: MethodHandler): ServerCallFn {
  switch (registration.kind) {
    case 'unary': {
      const handler = registration.handler;
      // Not an async function: a handler that answers at once costs one promise, not three. A
      // throw here reaches the caller as a rejection (the chain's `next` never throws).
      return (request) => {
        const result = handler(requestMessage(request), request.context);
        return result instanceof Uint8Array
          ? Promise.resolve({ message: result })
          : Promise.resolve(result).then(messageResponse);
      };
    }
    case 'serverStream': {
      const handler = registration.handler;
      return async (request) => ({ messages: handler(requestMessage(request), request.context) });
    }
    case 'clientStream': {
      const handler = registration.handler;
      return async (request) => ({
        message: await handler(requestMessages(request), request.context),
      });
    }
    case 'bidiStream': {
      const handler = registration.handler;
      return async (request) => ({ messages: handler(requestMessages(request), request.context) });
    }
  }
}

function messageResponse(message: Uint8Array): ServerResponse {
  return { message };
}

function requestMessage(request: ServerRequest): Uint8Array {
  if (request.message === undefined) {
    throw new RpcError(
      ErrorCode.INTERNAL,
      `an interceptor dropped the request of ${request.method}`,
    );
  }
  return request.message;
}

function requestMessages(request: ServerRequest): AsyncIterable<Uint8Array> {
  if (request.messages === undefined) {
    throw new RpcError(
      ErrorCode.INTERNAL,
      `an interceptor dropped the request stream of ${request.method}`,
    );
  }
  return request.messages;
}

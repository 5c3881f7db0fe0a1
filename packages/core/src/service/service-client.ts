import type { CallOptions, RpcClient } from '../client/client.js';
import { ErrorCode } from '../errors.js';
import { decodeMessage, decodeStream, encodeMessage } from './message-streams.js';
import type { MethodDefinition, MethodMap, ServiceDefinition } from './service-definition.js';
import type {
  ServiceClient,
  TypedBidiStreamCall,
  TypedClientStreamCall,
  TypedResponseStream,
} from './typed-interfaces.js';

/** A typed client for `service` over an existing connection. */
export function serviceClient<M extends MethodMap>(
  client: RpcClient,
  service: ServiceDefinition<M>,
): ServiceClient<M> {
  const functions: Record<string, unknown> = {};
  for (const key of Object.keys(service.methods)) {
    const definition = service.methods[key]!;
    functions[key] = clientFunction(client, service.wireName(key), definition);
  }
  // The mapped type cannot be built key by key; each entry matches its method's kind above.
  return Object.freeze(functions) as ServiceClient<M>;
}

function clientFunction(client: RpcClient, method: string, definition: MethodDefinition): unknown {
  const { request, response } = definition;
  const encode = (value: unknown) => encodeMessage(request, value, ErrorCode.INVALID_ARGUMENT);
  const decode = (bytes: Uint8Array) => decodeMessage(response, bytes, ErrorCode.INTERNAL);
  switch (definition.kind) {
    case 'unary':
      return async (value: unknown, options?: CallOptions) =>
        decode(await client.unary(method, encode(value), options));
    case 'serverStream':
      return (value: unknown, options?: CallOptions): TypedResponseStream<unknown> => {
        const stream = client.serverStream(method, encode(value), options);
        return {
          [Symbol.asyncIterator]: () =>
            decodeStream(stream, response, ErrorCode.INTERNAL)[Symbol.asyncIterator](),
          headers: stream.headers,
          trailers: stream.trailers,
        };
      };
    case 'clientStream':
      return (options?: CallOptions): TypedClientStreamCall<unknown, unknown> => {
        const call = client.clientStream(method, options);
        const decoded = call.response.then(decode);
        decoded.catch(() => undefined);
        return {
          send: (value) => call.send(encode(value)),
          end: () => call.end(),
          response: decoded,
          headers: call.headers,
          trailers: call.trailers,
        };
      };
    case 'bidiStream':
      return (options?: CallOptions): TypedBidiStreamCall<unknown, unknown> => {
        const call = client.bidiStream(method, options);
        return {
          send: async (value) => call.send(encode(value)),
          end: () => call.end(),
          responses: {
            [Symbol.asyncIterator]: () =>
              decodeStream(call.responses, response, ErrorCode.INTERNAL)[Symbol.asyncIterator](),
            headers: call.responses.headers,
            trailers: call.responses.trailers,
          },
        };
      };
  }
}

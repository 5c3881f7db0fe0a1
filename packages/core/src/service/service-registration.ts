import type { CallContext } from '../call-context.js';
import { ErrorCode } from '../errors.js';
import type { MethodHandler } from '../handlers.js';
import { decodeMessage, decodeStream, encodeMessage, encodeStream } from './message-streams.js';
import type { MethodDefinition, MethodMap, ServiceDefinition } from './service-definition.js';
import type { ServiceImplementation } from './typed-interfaces.js';

/** Raw handlers (wire name and handler) for every method of `service`, backed by `implementation`. */
export function serviceHandlers<M extends MethodMap>(
  service: ServiceDefinition<M>,
  implementation: ServiceImplementation<M>,
): Array<{ method: string; registration: MethodHandler }> {
  return Object.keys(service.methods).map((key) => {
    const definition = service.methods[key]!;
    const handler: unknown = implementation[key];
    if (typeof handler !== 'function') {
      throw new TypeError(`${service.name}: implementation of "${key}" is missing`);
    }
    return {
      method: service.wireName(key),
      registration: rawHandler(definition, handler.bind(implementation)),
    };
  });
}

type AnyHandler = (input: unknown, context: CallContext) => unknown;

function rawHandler(definition: MethodDefinition, typed: AnyHandler): MethodHandler {
  const { request, response } = definition;
  const decode = (bytes: Uint8Array) => decodeMessage(request, bytes, ErrorCode.INVALID_ARGUMENT);
  const encode = (value: unknown) => encodeMessage(response, value, ErrorCode.INTERNAL);
  // Each implementation function has the signature its method's kind dictates (ServerMethod).
  const stream = (value: unknown) => value as AsyncIterable<unknown>;
  switch (definition.kind) {
    case 'unary':
      return {
        kind: 'unary',
        handler: async (bytes, context) => encode(await typed(decode(bytes), context)),
      };
    case 'serverStream':
      return {
        kind: 'serverStream',
        handler: (bytes, context) => encodeStream(stream(typed(decode(bytes), context)), response),
      };
    case 'clientStream':
      return {
        kind: 'clientStream',
        handler: async (requests, context) =>
          encode(await typed(decodeStream(requests, request, ErrorCode.INVALID_ARGUMENT), context)),
      };
    case 'bidiStream':
      return {
        kind: 'bidiStream',
        handler: (requests, context) =>
          encodeStream(
            stream(typed(decodeStream(requests, request, ErrorCode.INVALID_ARGUMENT), context)),
            response,
          ),
      };
  }
}

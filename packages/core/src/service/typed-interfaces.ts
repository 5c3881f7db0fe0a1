import type { CallContext } from '../call-context.js';
import type { CallOptions } from '../client/client.js';
import type { Metadata } from '../metadata.js';
import type { MethodDefinition, MethodMap } from './service-definition.js';

/** A typed stream of responses with the call's headers and trailers. */
export type TypedResponseStream<T> = AsyncIterable<T> & {
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
};

/** A typed client-streaming call in progress. */
export interface TypedClientStreamCall<Req, Res> {
  send(message: Req): Promise<void>;
  end(): void;
  readonly response: Promise<Res>;
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
}

/** A typed bidirectional-streaming call in progress. */
export interface TypedBidiStreamCall<Req, Res> {
  send(message: Req): Promise<void>;
  end(): void;
  readonly responses: TypedResponseStream<Res>;
}

/** The client-side function of one method. */
export type ClientMethod<D> =
  D extends MethodDefinition<'unary', infer Req, infer Res>
    ? (request: Req, options?: CallOptions) => Promise<Res>
    : D extends MethodDefinition<'serverStream', infer Req, infer Res>
      ? (request: Req, options?: CallOptions) => TypedResponseStream<Res>
      : D extends MethodDefinition<'clientStream', infer Req, infer Res>
        ? (options?: CallOptions) => TypedClientStreamCall<Req, Res>
        : D extends MethodDefinition<'bidiStream', infer Req, infer Res>
          ? (options?: CallOptions) => TypedBidiStreamCall<Req, Res>
          : never;

/** The server-side handler of one method. */
export type ServerMethod<D> =
  D extends MethodDefinition<'unary', infer Req, infer Res>
    ? (request: Req, context: CallContext) => Promise<Res> | Res
    : D extends MethodDefinition<'serverStream', infer Req, infer Res>
      ? (request: Req, context: CallContext) => AsyncIterable<Res>
      : D extends MethodDefinition<'clientStream', infer Req, infer Res>
        ? (requests: AsyncIterable<Req>, context: CallContext) => Promise<Res>
        : D extends MethodDefinition<'bidiStream', infer Req, infer Res>
          ? (requests: AsyncIterable<Req>, context: CallContext) => AsyncIterable<Res>
          : never;

/** A typed client of a service: one function per method. */
export type ServiceClient<M extends MethodMap> = { readonly [K in keyof M]: ClientMethod<M[K]> };

/** What a server implements for a service: one handler per method. */
export type ServiceImplementation<M extends MethodMap> = {
  readonly [K in keyof M]: ServerMethod<M[K]>;
};

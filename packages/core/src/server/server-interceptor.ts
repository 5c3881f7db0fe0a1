import type { CallContext } from '../call-context.js';
import type { CallKind } from '../handlers.js';

/**
 * A call reaching its handler, as {@link ServerInterceptor}s see it. Unary and server-streaming
 * calls carry `message`; client- and bidi-streaming calls carry `messages`.
 */
export interface ServerRequest {
  readonly kind: CallKind;
  readonly method: string;
  /** Metadata, deadline, abort signal, peer, response headers and trailers of the call. */
  readonly context: CallContext;
  /** The request of unary and server-streaming calls. */
  readonly message?: Uint8Array;
  /** The request stream of client- and bidi-streaming calls. */
  readonly messages?: AsyncIterable<Uint8Array>;
}

/**
 * What a handler produced, as {@link ServerInterceptor}s see it: `message` for unary and
 * client-streaming calls, `messages` for server- and bidi-streaming ones.
 */
export interface ServerResponse {
  readonly message?: Uint8Array;
  readonly messages?: AsyncIterable<Uint8Array>;
}

/** Runs a handler: the next step of a server interceptor chain, and its end (the handler). */
export type ServerCallFn = (request: ServerRequest) => Promise<ServerResponse>;

/**
 * Cross-cutting server behaviour (metrics, tracing, auth, logging): a function that wraps `next`.
 * The first interceptor of `RpcServerOptions.interceptors` is the outermost. It may refuse a call
 * (throw an `RpcError`: the client gets its code), change the request it passes on, and observe
 * or wrap the response. A call that failed while its handler ran (deadline, client cancel) has
 * `context.signal` aborted with its error, even when the handler then returned normally. Its
 * `next` never throws: a later step's synchronous throw arrives as a rejection.
 */
export type ServerInterceptor = (next: ServerCallFn) => ServerCallFn;

import type { CallContext } from './call-context.js';

/** Serves a call with one request and one response. */
export type UnaryHandler = (
  request: Uint8Array,
  context: CallContext,
) => Promise<Uint8Array> | Uint8Array;

/** Serves a call with one request and a stream of responses. */
export type ServerStreamHandler = (
  request: Uint8Array,
  context: CallContext,
) => AsyncIterable<Uint8Array>;

/** Serves a call with a stream of requests and one response. */
export type ClientStreamHandler = (
  requests: AsyncIterable<Uint8Array>,
  context: CallContext,
) => Promise<Uint8Array>;

/** Serves a call with streams in both directions. */
export type BidiStreamHandler = (
  requests: AsyncIterable<Uint8Array>,
  context: CallContext,
) => AsyncIterable<Uint8Array>;

/** A registered handler together with its call kind. */
export type MethodHandler =
  | { readonly kind: 'unary'; readonly handler: UnaryHandler }
  | { readonly kind: 'serverStream'; readonly handler: ServerStreamHandler }
  | { readonly kind: 'clientStream'; readonly handler: ClientStreamHandler }
  | { readonly kind: 'bidiStream'; readonly handler: BidiStreamHandler };

/** The four call kinds. */
export type CallKind = MethodHandler['kind'];

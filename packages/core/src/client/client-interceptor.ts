import type { CallKind } from '../handlers.js';
import type { Metadata } from '../metadata.js';

/** A call about to leave the client, as {@link ClientInterceptor}s see it. */
export interface ClientRequest {
  readonly kind: CallKind;
  readonly method: string;
  /** Request metadata (headers); pass `{ ...request, metadata: { ... } }` on to change it. */
  readonly metadata: Metadata;
  /** Epoch ms by which the call must finish (from `timeoutMs`/`deadline`); undefined for none. */
  readonly deadline: number | undefined;
  /** Cancels the call when aborted. */
  readonly signal: AbortSignal | undefined;
  /** The single request message of unary and server-streaming calls; undefined for the others. */
  readonly message: Uint8Array | undefined;
  /** `host:port` of the server. */
  readonly peer: string;
}

/**
 * A call in progress, any kind, as {@link ClientInterceptor}s see it. `trailers` settles with the
 * call's status: it resolves on OK and rejects with the call's `RpcError`.
 */
export interface ClientResponse {
  /** Sends a request message (client and bidi streams); resolves once flow control let it go. */
  send(message: Uint8Array): Promise<void>;
  /** Ends the request stream (client and bidi streams). */
  end(): void;
  /** The response messages: exactly one for unary and client-streaming calls. */
  readonly messages: AsyncIterable<Uint8Array>;
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
  /**
   * Payload bytes of the response messages the server sent so far (final once `trailers`
   * settles), as received, before any interceptor's changes. Lets an interceptor count a unary
   * response without wrapping `messages`, which would take the call off its direct path.
   * Absent on a response an interceptor built itself.
   */
  readonly receivedBytes?: () => number;
}

/**
 * Starts a call: the next step of a client interceptor chain, and its end (the connection). For
 * a unary call it settles with the call, the model of connect-es: it resolves once the status is
 * OK (the response message and trailers have arrived) and rejects with the call's `RpcError`.
 * For the streaming kinds it resolves as soon as the call started, and `trailers` carries the
 * status.
 */
export type ClientCallFn = (request: ClientRequest) => Promise<ClientResponse>;

/**
 * Cross-cutting client behaviour (metrics, tracing, auth, logging): a function that wraps `next`.
 * The first interceptor of `RpcClientOptions.interceptors` is the outermost. It may change the
 * request it passes on, reject the call (throw an `RpcError`), and observe or wrap the response.
 * Its `next` never throws: a later step's synchronous throw arrives as a rejection.
 */
export type ClientInterceptor = (next: ClientCallFn) => ClientCallFn;

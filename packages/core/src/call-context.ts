import type { RpcError } from './errors.js';
import type { Metadata } from './metadata.js';

/** What a server handler knows about the call it serves. */
export interface CallContext {
  /** The method name the client called. */
  readonly method: string;
  /** Request metadata (headers) sent by the client. */
  readonly metadata: Metadata;
  /** Aborted when the client cancels, the deadline passes or the connection is lost. */
  readonly signal: AbortSignal;
  /**
   * The error the call failed with (the reason `signal` carries), once it failed; undefined
   * while it runs and after success. Reading it is cheaper than creating `signal`.
   */
  readonly error?: RpcError | undefined;
  /** Epoch ms by which the call must finish, when the client set a deadline. */
  readonly deadline?: number;
  /** Adds response headers; they leave with the first response message. */
  setHeader(metadata: Metadata): void;
  /** Adds response trailers; they leave with the final status. */
  setTrailer(metadata: Metadata): void;
  /** `host:port` of the client. */
  readonly peer: string;
}

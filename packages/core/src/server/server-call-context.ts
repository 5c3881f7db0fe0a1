import type { CallContext } from '../call-context.js';
import type { RpcError } from '../errors.js';
import type { Metadata } from '../metadata.js';

/** What a {@link ServerCallContext} reads from and writes to its call. */
export interface ContextCall {
  readonly signal: AbortSignal;
  readonly error: RpcError | undefined;
  setHeader(metadata: Metadata): void;
  setTrailer(metadata: Metadata): void;
}

/**
 * A handler's {@link CallContext}, one per call. A class, not an object literal: V8 builds a
 * literal with getters through a slow path that cost microseconds per call.
 */
export class ServerCallContext implements CallContext {
  readonly method: string;
  readonly metadata: Metadata;
  readonly peer: string;
  declare readonly deadline?: number;
  readonly #call: ContextCall;

  constructor(
    call: ContextCall,
    method: string,
    metadata: Metadata,
    peer: string,
    deadline: number | undefined,
  ) {
    this.#call = call;
    this.method = method;
    this.metadata = metadata;
    this.peer = peer;
    // Only when set, as before: `'deadline' in context` tells whether the client set one.
    if (deadline !== undefined) (this as { deadline?: number }).deadline = deadline;
  }

  get signal(): AbortSignal {
    return this.#call.signal;
  }

  get error(): RpcError | undefined {
    return this.#call.error;
  }

  setHeader(metadata: Metadata): void {
    this.#call.setHeader(metadata);
  }

  setTrailer(metadata: Metadata): void {
    this.#call.setTrailer(metadata);
  }
}

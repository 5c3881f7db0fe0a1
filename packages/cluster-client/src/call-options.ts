import type { CallOptions, RpcError } from '@rpcnet/core';

/** Options of one cluster call: the core call options plus the failover controls. */
export interface WorkerCallOptions extends CallOptions {
  /**
   * Whether the call may run twice: when true (the client's default) a call whose worker died
   * after its handler started is retried on another worker. Calls that never reached a handler
   * are always retried.
   */
  idempotent?: boolean | undefined;
  /** Attempts for this call, the first included; default the client's `maxAttempts`. */
  maxAttempts?: number | undefined;
}

/** A unary call's response and where it was served. */
export interface WorkerCallResult {
  readonly response: Uint8Array;
  /** The worker that produced the response. */
  readonly workerId: string;
  /** Attempts made, this one included. */
  readonly attempts: number;
  /** Workers whose attempt failed before this one, in order. */
  readonly failedWorkers: readonly string[];
}

/** What a streaming call's `resume` callback is told when its worker failed mid-stream. */
export interface StreamResumeContext {
  /** The request the call started with. */
  readonly originalRequest: Uint8Array;
  /** The request sent to the worker that failed (a continuation after earlier resumes). */
  readonly lastRequest: Uint8Array;
  /** Messages delivered so far, over all workers. */
  readonly messagesReceived: number;
  /** The worker that failed and the error it failed with. */
  readonly failedWorkerId: string;
  readonly error: RpcError;
}

/**
 * Builds the continuation request for the next worker from what was received (e.g. the prompt
 * plus the tokens so far), or returns `undefined` to end the call with the worker's error.
 */
export type StreamResume = (context: StreamResumeContext) => Uint8Array | undefined;

/** Options of a server-streaming cluster call. */
export interface WorkerStreamOptions extends WorkerCallOptions {
  /** Allows resuming on another worker after messages were received; see {@link StreamResume}. */
  resume?: StreamResume | undefined;
}

/** One message of a streaming cluster call, labelled with the worker that sent it. */
export interface WorkerStreamMessage {
  readonly message: Uint8Array;
  /** The worker that produced this message. */
  readonly workerId: string;
  /** 0 for the first worker's part of the stream, +1 after each resume on another worker. */
  readonly part: number;
  /** Position of the message in the whole stream, from 0. */
  readonly index: number;
}

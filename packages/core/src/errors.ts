import { ConfigError } from '@rpcnet/base';

/** Status codes carried by every failed call; the names follow gRPC's. */
export const ErrorCode = {
  CANCELLED: 'CANCELLED',
  UNKNOWN: 'UNKNOWN',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  NOT_FOUND: 'NOT_FOUND',
  RESOURCE_EXHAUSTED: 'RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  UNIMPLEMENTED: 'UNIMPLEMENTED',
  /** The peer sent bytes that violate the wire protocol. */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** True when `value` names an {@link ErrorCode}. */
export function isErrorCode(value: string): value is ErrorCode {
  return knownCodes.has(value);
}

/** Extra information for {@link RpcError}. */
export interface RpcErrorOptions {
  details?: Readonly<Record<string, string>>;
  notProcessed?: boolean;
  cause?: unknown;
}

/** The one error type at the RPC boundary: a code, a message and optional string details. */
export class RpcError extends Error {
  readonly code: ErrorCode;
  readonly details?: Readonly<Record<string, string>>;
  /** true when the request never reached a handler (safe to retry even if not idempotent). */
  readonly notProcessed: boolean;

  constructor(code: ErrorCode, message: string, options: RpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RpcError';
    this.code = code;
    if (options.details !== undefined) this.details = Object.freeze({ ...options.details });
    this.notProcessed = options.notProcessed ?? false;
  }

  /** Wraps anything thrown into an RpcError, keeping RpcErrors as they are. */
  static from(error: unknown, fallback: ErrorCode = ErrorCode.UNKNOWN): RpcError {
    if (error instanceof RpcError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new RpcError(fallback, message, { cause: error });
  }
}

/** Raised by the frame decoder for bytes that break the wire protocol. */
export class ProtocolError extends Error {
  /** The call the bad frame belonged to (0 for the connection itself). */
  readonly callId: number;
  /** Whether the byte stream is still in sync (the bad frame was skipped) or must be closed. */
  readonly fatal: boolean;
  /** The status the affected call fails with: RESOURCE_EXHAUSTED for oversized frames. */
  readonly code: ErrorCode;
  /** The type byte of the offending frame, when known. */
  readonly frameType: number | undefined;

  constructor(
    message: string,
    callId: number,
    fatal: boolean,
    code: ErrorCode = ErrorCode.PROTOCOL_ERROR,
    frameType?: number,
  ) {
    super(message);
    this.frameType = frameType;
    this.name = 'ProtocolError';
    this.callId = callId;
    this.fatal = fatal;
    this.code = code;
  }
}

/** An invalid option of `RpcClient` or `RpcServer`, thrown at construction; a {@link ConfigError}. */
export class RpcConfigError extends ConfigError {
  constructor(component: string, field: string, reason: string, cause?: unknown) {
    super(field, reason, { component, cause });
    this.name = 'RpcConfigError';
  }
}

import { z } from 'zod';
import type { ErrorCode } from './errors.js';
import type { CallKind } from './handlers.js';

/** A call as a {@link CallObserver} is told about it when it starts. */
export interface ObservedCall {
  readonly kind: CallKind;
  readonly method: string;
}

/** How a call ended, read synchronously in {@link CallObservation.ended}. */
export interface CallOutcome {
  /** The call's error code; undefined when its status was OK. */
  readonly code: ErrorCode | undefined;
  /** Payload bytes of the messages this side sent. */
  readonly sentBytes: number;
  /** Payload bytes of the messages this side received. */
  readonly receivedBytes: number;
  /** Messages this side sent. */
  readonly sentMessages: number;
  /** Messages this side received. */
  readonly receivedMessages: number;
}

/** What an observer keeps for one call; told once, when the call ends. */
export interface CallObservation {
  /** The call ended; read `outcome` now (it is the call's own record, not a copy). */
  ended(outcome: CallOutcome): void;
}

/**
 * Watches calls without taking part in them, the role grpc-go's stats handlers play beside its
 * interceptors: told synchronously where a call starts and where its status is written or read,
 * with no promise per call. For what only records (metrics); interceptors are for what changes
 * or wraps calls. Cheaper than an interceptor that waits for each call to settle: at 64 calls in
 * flight that wait alone costs more than a tenth of a call. A throw from an observer is logged
 * and ignored.
 */
export interface CallObserver {
  /** A call started: returns what to tell when it ends, or undefined to skip the call. */
  started(call: ObservedCall): CallObservation | undefined;
}

/** True when `value` is a {@link CallObserver}: an object with a `started` method. */
export function isCallObserver(value: unknown): value is CallObserver {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<CallObserver>).started === 'function'
  );
}

/** Accepts a list of {@link CallObserver}s. */
export const observersSchema = z.array(
  z.custom<CallObserver>(isCallObserver, {
    message: 'expected call observers: objects with a started(call) method',
  }),
);

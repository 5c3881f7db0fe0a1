import { type CancelTimer, resolveDeadline } from '@rpcnet/base';
import { type Clock, ErrorCode, RpcError } from '@rpcnet/core';

/** Deadline and cancellation of one call, across all of its attempts. */
export interface CallScopeOptions {
  readonly timeoutMs?: number | undefined;
  readonly deadline?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The life of one cluster call: a signal that aborts with DEADLINE_EXCEEDED at the deadline or
 * CANCELLED when the caller aborts, shared by every attempt and every wait of the call.
 */
export class CallScope {
  /** Epoch ms by which the call must end; `Infinity` when it has none. */
  readonly deadline: number;
  readonly #controller = new AbortController();
  readonly #callerSignal: AbortSignal | undefined;
  readonly #cancelTimer: CancelTimer | undefined;
  readonly #onCallerAbort: () => void;

  constructor(clock: Clock, options: CallScopeOptions, defaultTimeoutMs: number | undefined) {
    const now = clock.now();
    this.deadline = resolveDeadline(options, now, defaultTimeoutMs);
    this.#callerSignal = options.signal;
    this.#onCallerAbort = () =>
      this.#abort(
        new RpcError(ErrorCode.CANCELLED, 'cancelled by the caller', {
          cause: options.signal?.reason,
        }),
      );
    if (options.signal?.aborted) {
      this.#onCallerAbort();
    } else {
      options.signal?.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    if (Number.isFinite(this.deadline)) {
      const remainingMs = this.deadline - now;
      const expire = () =>
        this.#abort(
          new RpcError(ErrorCode.DEADLINE_EXCEEDED, 'the call deadline passed', {
            details: { deadline: new Date(this.deadline).toISOString() },
          }),
        );
      if (remainingMs <= 0) expire();
      else this.#cancelTimer = clock.setTimer(remainingMs, expire);
    }
  }

  /** Aborts with the call's {@link RpcError} (DEADLINE_EXCEEDED or CANCELLED). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the call ended early, once it did. */
  get reason(): RpcError | undefined {
    return this.#controller.signal.aborted
      ? (this.#controller.signal.reason as RpcError)
      : undefined;
  }

  /** True when the caller's own signal aborted (not the deadline). */
  get cancelledByCaller(): boolean {
    return this.#callerSignal?.aborted === true;
  }

  /** Throws the reason if the call already ended. */
  throwIfEnded(): void {
    const reason = this.reason;
    if (reason !== undefined) throw reason;
  }

  /** Ends the scope: stops the timer and aborts whatever still listens (e.g. an open stream). */
  dispose(): void {
    this.#cancelTimer?.();
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(new RpcError(ErrorCode.CANCELLED, 'the call ended'));
    }
  }

  #abort(reason: RpcError): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}

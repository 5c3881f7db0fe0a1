import { ErrorCode, RpcError } from '@rpcnet/core';
import type { WorkerFilter } from '@rpcnet/registry';
import { hedgeDelayMs } from './adaptive-timing.js';
import type { WorkerCallOptions, WorkerCallResult } from './call-options.js';
import type { CallScope } from './call-scope.js';
import { toRpcError } from './failover-policy.js';
import { ATTEMPT_TIMEOUT, type Attempt, type WorkerAttempts } from './worker-attempts.js';

/** A unary attempt racing with the call's others: it can be given up or lose the race. */
interface RunningAttempt extends Attempt {
  readonly controller: AbortController;
  /** Why the client gave the attempt up (timeout, worker failed, another attempt won). */
  givenUp: RpcError | undefined;
  /** Stops its timers and its membership watch. */
  dispose: () => void;
}

/**
 * Runs a unary call's attempts. Usually one; another starts when an attempt fails over, runs
 * past its attempt timeout, is hedged, or its worker is suspected. The first answer wins and
 * the attempts still running are cancelled.
 */
export function callWithFailover(
  workers: WorkerAttempts,
  method: string,
  payload: Uint8Array,
  filter: WorkerFilter | undefined,
  options: WorkerCallOptions,
  scope: CallScope,
): Promise<WorkerCallResult> {
  scope.throwIfEnded();
  const idempotent = options.idempotent ?? workers.config.idempotent;
  const maxAttempts = options.maxAttempts ?? workers.config.maxAttempts;
  const window = workers.latency.of(method);
  const clock = workers.config.clock;
  const failedWorkers: string[] = [];
  const running = new Set<RunningAttempt>();
  let attempts = 0;
  let lastError: RpcError | undefined;
  let settled = false;

  return new Promise<WorkerCallResult>((resolve, reject) => {
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      const lost = new RpcError(ErrorCode.CANCELLED, 'another attempt of the call answered', {
        details: { reason: 'hedge-lost' },
      });
      for (const other of running) giveUp(other, lost);
      outcome();
    };

    const giveUp = (attempt: RunningAttempt, reason: RpcError): void => {
      if (attempt.givenUp !== undefined) return;
      attempt.givenUp = reason;
      attempt.controller.abort(reason);
    };

    /**
     * Starts another attempt unless the call may not run again: `free` when the request
     * surely reached no handler (no idempotency or budget needed). Returns whether it started.
     */
    const launch = (
      kind: 'first' | 'failover' | 'hedge',
      free: boolean,
      left?: { workerId: string; code: ErrorCode },
    ): boolean => {
      if (settled || scope.reason !== undefined || attempts >= maxAttempts) return false;
      if (!free && !idempotent) return false;
      const exclude = [...failedWorkers, ...[...running].map((attempt) => attempt.worker.id)];
      let attempt: Attempt;
      try {
        // A hedge is worth sending only to a healthy worker.
        attempt = workers.select(filter, exclude, kind === 'hedge');
      } catch (error) {
        if (running.size === 0) {
          settle(() => reject(workers.selectionError(error, failedWorkers, lastError)));
        }
        return false;
      }
      // Hedges leave half the bucket to the retries of calls whose worker is lost.
      const reserve = kind === 'hedge' ? workers.config.retryBudget.maxTokens / 2 : 0;
      if (kind !== 'first' && !free && !workers.budget.tryWithdraw(reserve)) {
        attempt.lease.release({ cancelled: true });
        if (kind === 'failover') workers.counters.retriesDenied += 1;
        workers.logger.debug('cluster client: retry budget spent', { kind, method });
        return false;
      }
      attempts += 1;
      if (kind === 'failover') workers.counters.retries += 1;
      if (kind === 'hedge') workers.counters.hedges += 1;
      if (kind !== 'first' && workers.events.size > 0) {
        const workerId = attempt.worker.id;
        workers.events.emit(
          kind === 'hedge'
            ? { type: 'Hedge', method, attempt: attempts, workerId }
            : {
                type: 'Failover',
                method,
                attempt: attempts,
                workerId,
                previousWorkerId: left?.workerId,
                code: left?.code,
              },
        );
      }
      start(attempt);
      return true;
    };

    const start = (attempt: Attempt): void => {
      const controller = new AbortController();
      const cancels: Array<() => void> = [];
      const current: RunningAttempt = {
        ...attempt,
        controller,
        givenUp: undefined,
        dispose: () => {
          for (const cancel of cancels.splice(0)) cancel();
        },
      };
      running.add(current);
      const workerId = attempt.worker.id;
      cancels.push(
        workers.watchers.watch(workerId, {
          suspect: () => {
            launch('hedge', false);
          },
          failed: () =>
            giveUp(
              current,
              new RpcError(ErrorCode.UNAVAILABLE, `worker ${workerId} was declared failed`, {
                details: { workerId, reason: 'worker-failed' },
              }),
            ),
        }),
      );
      const timeoutMs = workers.attemptTimeoutFor(method);
      if (timeoutMs !== undefined) {
        cancels.push(clock.setTimer(timeoutMs, () => onAttemptTimeout(current, timeoutMs)));
      }
      const hedgeMs = idempotent ? hedgeDelayMs(window, workers.config.hedging) : undefined;
      if (hedgeMs !== undefined && hedgeMs < (timeoutMs ?? Number.POSITIVE_INFINITY)) {
        cancels.push(clock.setTimer(hedgeMs, () => launch('hedge', false)));
      }
      const signal = AbortSignal.any([scope.signal, controller.signal]);
      runAttempt(workers, current, method, payload, options, scope, signal).then(
        (response) => onSuccess(current, response),
        (thrown: unknown) => onFailure(current, thrown),
      );
    };

    const onAttemptTimeout = (attempt: RunningAttempt, timeoutMs: number): void => {
      // Checked again after one turn of the event loop: when this process stalled, the timer
      // and the answer are both due, and the answer must be read before the worker is blamed.
      clock.setTimer(0, () => {
        if (settled || !running.has(attempt) || attempt.givenUp !== undefined) return;
        const dialing = attempt.connection === undefined;
        const workerId = attempt.worker.id;
        // Another attempt first; without one the slow attempt is still the call's best chance.
        if (!launch('failover', dialing, { workerId, code: ErrorCode.DEADLINE_EXCEEDED })) return;
        workers.counters.attemptTimeouts += 1;
        giveUp(
          attempt,
          new RpcError(
            ErrorCode.DEADLINE_EXCEEDED,
            `worker ${workerId} did not answer within the attempt timeout (${Math.round(timeoutMs)} ms)`,
            { notProcessed: dialing, details: { workerId, reason: ATTEMPT_TIMEOUT } },
          ),
        );
      });
    };

    const onSuccess = (attempt: RunningAttempt, response: Uint8Array): void => {
      running.delete(attempt);
      attempt.dispose();
      window.record(clock.now() - attempt.startedAt);
      workers.end(attempt);
      settle(() => resolve({ response, workerId: attempt.worker.id, attempts, failedWorkers }));
    };

    const onFailure = (attempt: RunningAttempt, thrown: unknown): void => {
      running.delete(attempt);
      attempt.dispose();
      const error = attempt.givenUp ?? scope.reason ?? toRpcError(thrown);
      if (attempt.givenUp?.code === ErrorCode.CANCELLED) {
        workers.end(attempt, { cancelled: true });
        return;
      }
      const verdict = workers.releaseFailed(attempt, scope, error, idempotent);
      // Attempts given up are not sampled: a dead worker would inflate the estimate. A method
      // that got slower still teaches it through the attempts that may not be given up.
      if (verdict.answered) window.record(clock.now() - attempt.startedAt);
      if (settled) return;
      if (scope.reason !== undefined) {
        if (running.size === 0) settle(() => reject(scope.reason));
        return;
      }
      if (!verdict.retryable) {
        settle(() => reject(error));
        return;
      }
      failedWorkers.push(attempt.worker.id);
      lastError = error;
      // Given up at its timeout: its replacement already runs.
      if (running.size > 0) return;
      const left = { workerId: attempt.worker.id, code: error.code };
      if (!launch('failover', error.notProcessed, left) && !settled) settle(() => reject(error));
    };

    launch('first', true);
  });
}

/** One unary attempt: a pooled connection, then the call, both ended by `signal`. */
async function runAttempt(
  workers: WorkerAttempts,
  attempt: RunningAttempt,
  method: string,
  payload: Uint8Array,
  options: WorkerCallOptions,
  scope: CallScope,
  signal: AbortSignal,
): Promise<Uint8Array> {
  attempt.connection = await workers.pool.acquire(attempt.worker, signal);
  return attempt.connection.connection.unary(
    method,
    payload,
    workers.callOptions(options, scope, signal),
  );
}

import { ErrorCode, RpcError } from '@rpcnet/core';
import type { WorkerFilter } from '@rpcnet/registry';
import { adaptiveTimeoutMs } from './adaptive-timing.js';
import type { WorkerStreamMessage, WorkerStreamOptions } from './call-options.js';
import type { CallScope } from './call-scope.js';
import { toRpcError } from './failover-policy.js';
import type { LatencyWindow } from './latency-window.js';
import type { Attempt, WorkerAttempts } from './worker-attempts.js';

/**
 * Runs a server-streaming call and yields each message with the worker that sent it. Before any
 * message arrives, a lost worker is replaced like a unary call's; after, the stream goes on
 * elsewhere only through `options.resume`, which says what to send to the next worker.
 */
export async function* streamWithResume(
  workers: WorkerAttempts,
  method: string,
  payload: Uint8Array,
  filter: WorkerFilter | undefined,
  options: WorkerStreamOptions,
  scope: CallScope,
): AsyncGenerator<WorkerStreamMessage, void, undefined> {
  const idempotent = options.idempotent ?? workers.config.idempotent;
  const maxAttempts = options.maxAttempts ?? workers.config.maxAttempts;
  const gaps = workers.latency.of(`${method}\u0000stream`);
  const failedWorkers: string[] = [];
  let request = payload;
  let part = 0;
  let index = 0;
  let lastError: RpcError | undefined;
  let attempt: Attempt | undefined;
  try {
    for (let attempts = 1; ; attempts += 1) {
      scope.throwIfEnded();
      let current: Attempt;
      try {
        current = workers.select(filter, failedWorkers);
      } catch (error) {
        throw workers.selectionError(error, failedWorkers, lastError);
      }
      attempt = current;
      if (attempts > 1 && workers.events.size > 0) {
        workers.events.emit({
          type: 'Failover',
          method,
          attempt: attempts,
          workerId: current.worker.id,
          previousWorkerId: failedWorkers.at(-1),
          code: lastError?.code,
        });
      }
      let receivedHere = 0;
      // Whether losing this worker now could go on elsewhere: only then is it given up early.
      const mayGoOn = (): boolean =>
        attempts < maxAttempts &&
        (receivedHere > 0 ? options.resume !== undefined : idempotent) &&
        workers.budget.tokens >= 1;
      // Aborted when the stream goes idle or its worker is lost, so only this attempt ends.
      const attemptAbort = new AbortController();
      const workerId = current.worker.id;
      const lose = (reason: string, message: string): void =>
        attemptAbort.abort(
          new RpcError(ErrorCode.UNAVAILABLE, message, { details: { workerId, reason } }),
        );
      const unwatch = workers.watchers.watch(workerId, {
        suspect: () => {
          if (mayGoOn()) lose('worker-suspect', `worker ${workerId} is suspected`);
        },
        failed: () => lose('worker-failed', `worker ${workerId} was declared failed`),
      });
      try {
        current.connection = await workers.pool.acquire(current.worker, scope.signal);
        const responses = current.connection.connection.serverStream(
          method,
          request,
          workers.callOptions(options, scope, AbortSignal.any([scope.signal, attemptAbort.signal])),
        );
        const iterator = responses[Symbol.asyncIterator]();
        // 'waiting' while a message is awaited, 'yielded' while the consumer holds one.
        let position: 'waiting' | 'yielded' | 'ended' = 'waiting';
        try {
          for (;;) {
            position = 'waiting';
            const waitStart = workers.config.clock.now();
            const next = await nextMessage(workers, iterator, attemptAbort, gaps, mayGoOn);
            if (next.done) break;
            gaps.record(workers.config.clock.now() - waitStart);
            receivedHere += 1;
            position = 'yielded';
            yield { message: next.value, workerId: current.worker.id, part, index };
            index += 1;
          }
          position = 'ended';
        } finally {
          // The consumer stopped early: end the response stream like `for await` would.
          if (position === 'yielded') await iterator.return?.().catch(() => undefined);
        }
        attempt = undefined;
        workers.end(current);
        return;
      } catch (thrown) {
        // The abort makes the call fail as CANCELLED; the idle or lost worker is the real cause.
        const lost = attemptAbort.signal.aborted
          ? toRpcError(attemptAbort.signal.reason)
          : undefined;
        const error = scope.reason ?? lost ?? toRpcError(thrown);
        lastError = error;
        const failed = current;
        attempt = undefined;
        // After messages were delivered the handler surely ran: only `resume` may continue.
        const resume = receivedHere > 0 ? options.resume : undefined;
        if (receivedHere > 0 && resume === undefined) {
          retryAfterFailure(workers, failed, scope, error, idempotent, attempts, 0);
          throw error;
        }
        const retry = retryAfterFailure(
          workers,
          failed,
          scope,
          error,
          receivedHere > 0 || idempotent,
          attempts,
          maxAttempts,
        );
        if (!retry) throw error;
        failedWorkers.push(failed.worker.id);
        if (resume !== undefined) {
          const next = resume({
            originalRequest: payload,
            lastRequest: request,
            messagesReceived: index,
            failedWorkerId: failed.worker.id,
            error,
          });
          if (next === undefined) throw error;
          request = next;
          part += 1;
          workers.counters.resumes += 1;
          workers.events.emit({
            type: 'StreamResumed',
            method,
            failedWorkerId: failed.worker.id,
            messagesReceived: index,
            part,
          });
        }
      } finally {
        unwatch();
      }
    }
  } finally {
    // Reached with an attempt still open only when the consumer stopped iterating early.
    if (attempt !== undefined) workers.end(attempt, { cancelled: true });
  }
}

/**
 * The stream's next message. Past `streamIdleTimeoutMs`, or the adaptive bound on the gaps
 * between messages while the stream could go on elsewhere (`mayGoOn`), fails with UNAVAILABLE
 * and cancels the attempt through `attemptAbort`.
 */
async function nextMessage(
  workers: WorkerAttempts,
  iterator: AsyncIterator<Uint8Array>,
  attemptAbort: AbortController,
  gaps: LatencyWindow,
  mayGoOn: () => boolean,
): Promise<IteratorResult<Uint8Array>> {
  const fixedMs = workers.config.streamIdleTimeoutMs;
  const idleMs =
    fixedMs ?? (mayGoOn() ? adaptiveTimeoutMs(gaps, workers.config.adaptiveTimeout) : undefined);
  let cancelTimer: () => void = () => undefined;
  let onLost: () => void = () => undefined;
  // Rejects on the idle bound, and when the worker is lost (membership) even without one.
  const ended = new Promise<never>((_, reject) => {
    onLost = () => reject(attemptAbort.signal.reason);
    attemptAbort.signal.addEventListener('abort', onLost, { once: true });
    if (idleMs === undefined) return;
    cancelTimer = workers.config.clock.setTimer(idleMs, () => {
      // An adaptive bound only ends a stream that can go on; a fixed one always does.
      if (fixedMs === undefined && !mayGoOn()) return;
      attemptAbort.abort(
        new RpcError(
          ErrorCode.UNAVAILABLE,
          `no message from the worker within ${Math.round(idleMs)} ms`,
          { details: { reason: 'stream-idle' } },
        ),
      );
    });
  });
  ended.catch(() => undefined);
  try {
    return await Promise.race([iterator.next(), ended]);
  } finally {
    cancelTimer();
    attemptAbort.signal.removeEventListener('abort', onLost);
  }
}

/** Releases a failed stream attempt and decides whether the call goes on to another worker. */
function retryAfterFailure(
  workers: WorkerAttempts,
  attempt: Attempt,
  scope: CallScope,
  error: RpcError,
  idempotent: boolean,
  attempts: number,
  maxAttempts: number,
): boolean {
  const verdict = workers.releaseFailed(attempt, scope, error, idempotent);
  if (!verdict.retryable || attempts >= maxAttempts || scope.reason !== undefined) return false;
  if (!error.notProcessed && !workers.budget.tryWithdraw()) {
    workers.counters.retriesDenied += 1;
    workers.logger.debug('cluster client: retry budget spent', { workerId: attempt.worker.id });
    return false;
  }
  workers.counters.retries += 1;
  workers.logger.debug('cluster client: failing over', {
    workerId: attempt.worker.id,
    code: error.code,
    notProcessed: error.notProcessed,
  });
  return true;
}

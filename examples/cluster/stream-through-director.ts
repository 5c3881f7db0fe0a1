import { ErrorCode, RpcError, serviceClient } from 'rpcnet';
import type { ExampleLogger } from '../shared/console-logger.js';
import { reportToParent } from '../shared/demo-report.js';
import { describeError } from '../shared/describe-error.js';
import { type DirectorConnection, isNoWorkers } from '../shared/director-connection.js';
import { sleep } from '../shared/sleep.js';
import type { WorkerConnections } from '../shared/worker-connections.js';
import { type Token, workerService } from './worker-service.js';

/** Failovers allowed within one call before it is given up as lost. */
const MAX_FAILOVERS_PER_CALL = 8;
/** A stream still unfinished after this long counts as a failed worker (e.g. a hung process). */
export function streamTimeoutMs(tokens: number): number {
  return Math.max(10_000, tokens * 1000);
}
const NO_WORKER_RETRY_MS = 250;

/** What a director-mode session needs. */
export interface DirectorSessionContext {
  readonly name: string;
  readonly director: DirectorConnection;
  readonly workers: WorkerConnections;
  readonly log: ExampleLogger;
  /** Called for every token received, of the `count` the answer has. */
  onToken(session: string, token: Token, count: number): void;
  /** Called when the call moves from worker `from` to worker `to`. */
  onFailover(from: string, to: string, tokensSoFar: number): void;
}

/** How a completed call went: its tokens and the workers that produced them, in order. */
export interface StreamedAnswer {
  readonly tokens: readonly Token[];
  readonly workers: readonly string[];
}

/**
 * The seed's client flow for one answer: ask the director for a worker, stream the tokens from
 * that worker directly, and when the worker fails go back to the director for another (never the
 * one that just failed) and continue from the next token. Rejects when the answer is lost.
 */
export async function streamThroughDirector(
  context: DirectorSessionContext,
  prompt: string,
  count: number,
  signal: AbortSignal,
): Promise<StreamedAnswer> {
  const tokens: Token[] = [];
  const workers: string[] = [];
  const exclude: string[] = [];
  let failedWorker: string | undefined;
  let failovers = 0;
  while (tokens.length < count) {
    let assignment: Awaited<ReturnType<DirectorConnection['assign']>>;
    try {
      assignment = await context.director.assign(exclude, context.name, signal);
    } catch (error) {
      if (signal.aborted || !isNoWorkers(error)) throw error;
      // Everyone left was excluded or is unhealthy: wait, and give excluded workers another chance.
      exclude.length = 0;
      await sleep(NO_WORKER_RETRY_MS, signal);
      continue;
    }
    if (failedWorker !== undefined) {
      context.log.info(
        `🔀 ${context.name} switched ${failedWorker} → ${assignment.label}, continuing at token ${tokens.length}/${count}`,
      );
      context.onFailover(failedWorker, assignment.label, tokens.length);
      failedWorker = undefined;
    }
    workers.push(assignment.label);
    let failed = false;
    try {
      const worker = serviceClient(await context.workers.get(assignment.rpcAddress), workerService);
      const stream = worker.generate(
        { prompt, from: tokens.length, count },
        { signal, timeoutMs: streamTimeoutMs(count - tokens.length) },
      );
      for await (const token of stream) {
        if (token.index !== tokens.length) {
          throw new RpcError(
            ErrorCode.INTERNAL,
            `token ${token.index} arrived, expected ${tokens.length}`,
          );
        }
        tokens.push(token);
        context.onToken(context.name, token, count);
      }
    } catch (error) {
      failed = true;
      if (signal.aborted || !worthAnotherWorker(error) || failovers >= MAX_FAILOVERS_PER_CALL) {
        throw error;
      }
      failovers += 1;
      failedWorker = assignment.label;
      exclude.push(assignment.workerId);
      context.log.warn(
        `⚠️  ${assignment.label} failed ${context.name} after ${tokens.length}/${count} tokens (${describeError(error)}); asking the director for another worker`,
      );
    } finally {
      void context.director.release(assignment.assignmentId, failed);
    }
  }
  return { tokens, workers };
}

/** Worker faults are worth another worker; a request the workers reject as invalid is not. */
function worthAnotherWorker(error: unknown): boolean {
  if (!(error instanceof RpcError)) return true;
  return (
    error.code !== ErrorCode.INVALID_ARGUMENT &&
    error.code !== ErrorCode.UNIMPLEMENTED &&
    error.code !== ErrorCode.NOT_FOUND
  );
}

/** Reports a failover to a supervising demo, if any. */
export function reportFailover(from: string, to: string, tokensSoFar: number): void {
  reportToParent({ type: 'failover', at: Date.now(), from, to, tokensSoFar });
}

import type { Logger } from 'rpcnet';
import { isStopRequest } from './demo-report.js';

/** A process that does not finish stopping within this bound exits with code 1. */
const STOP_BOUND_MS = 15_000;

/**
 * Runs `stop` once when the process is asked to end: SIGINT or SIGTERM, a `{ type: 'stop' }`
 * message from a supervising parent, or that parent going away (so no child is ever orphaned).
 * Exits 0 after a clean stop, 1 if it failed or took too long; a second Ctrl-C exits at once.
 */
export function stopOnSignals(log: Logger, stop: (reason: string) => Promise<void>): void {
  let stopping = false;
  const begin = (reason: string): void => {
    if (stopping) {
      if (reason === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    log.info(`👋 stopping (${reason})`);
    const bound = setTimeout(() => {
      log.error('stop took too long, exiting');
      process.exit(1);
    }, STOP_BOUND_MS);
    bound.unref();
    stop(reason).then(
      () => {
        clearTimeout(bound);
        process.exit(0);
      },
      (error: unknown) => {
        log.error(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => begin('SIGINT'));
  process.on('SIGTERM', () => begin('SIGTERM'));
  process.on('message', (message) => {
    if (isStopRequest(message)) begin('asked by the demo');
  });
  process.on('disconnect', () => begin('the demo went away'));
  if (process.send !== undefined && !process.connected) begin('the demo went away');
}

/** Logs a start-up failure in one friendly line and exits 1. */
export function exitOnStartFailure(log: Logger, what: string): (error: unknown) => never {
  return (error) => {
    log.error(`❌ ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  };
}

// The connection_swap example's client: one logical session (an id, sequence numbers, a running
// total) that outlives its connections. It asks the director for a worker, streams session
// messages to it over one QUIC connection, and when that worker fails it asks the director for
// another, opens a NEW connection there and resends what was not acknowledged. This is connection
// replacement at the application level, not QUIC connection migration (see README.md).
import { createExampleLogger } from '../shared/console-logger.js';
import { reportToParent } from '../shared/demo-report.js';
import { describeError } from '../shared/describe-error.js';
import { sharedDevCertificate } from '../shared/dev-certificate.js';
import { DirectorConnection, isNoWorkers } from '../shared/director-connection.js';
import type { Assignment } from '../shared/director-service.js';
import { readSettingsOrExit, showAddress } from '../shared/settings.js';
import { exitOnStartFailure, stopOnSignals } from '../shared/shutdown.js';
import { sleep } from '../shared/sleep.js';
import { WorkerConnections } from '../shared/worker-connections.js';
import { LogicalSession } from './logical-session.js';
// Generated from session.proto by rpcnet-gen (`pnpm build`).
import { createSessionClient } from './session.gen.js';

/** Unacknowledged messages get this long to be delivered once the client is asked to stop. */
const STOP_DRAIN_MS = 8000;
const PROGRESS_INTERVAL_MS = 5000;

const settings = readSettingsOrExit();
const log = createExampleLogger('swap-client', settings.logLevel);
const certificate = sharedDevCertificate(settings.devCertDir);
const tls = { ca: certificate.certPem };
const director = new DirectorConnection(showAddress(settings.directorAddr), tls);
const workers = new WorkerConnections(tls);
const session = new LogicalSession();
const shortId = session.id.slice(0, 8);
/** Aborted when the session must end now, delivered or not. */
const abort = new AbortController();
let stopping = false;
let swaps = 0;
let running: Promise<void> | undefined;

/** Carries the session over one connection until it fails (throws) or the client stops. */
async function carrySession(assignment: Assignment): Promise<void> {
  const link = new AbortController();
  const signal = AbortSignal.any([abort.signal, link.signal]);
  const exchange = createSessionClient(await workers.get(assignment.rpcAddress)).exchange({
    signal,
  });
  const sending = (async () => {
    const resend = session.resendable();
    if (resend.length > 0)
      log.info(`📨 resending ${resend.length} unacknowledged message(s) to ${assignment.label}`);
    for (const message of resend) await exchange.send(message);
    while (!stopping) {
      await sleep(settings.swapMessageIntervalMs, signal);
      await exchange.send(session.next(1 + Math.floor(Math.random() * 9)));
    }
    exchange.end();
  })();
  // A failed send means the stream broke: cancel the call so the receiving loop ends too.
  sending.catch((error: unknown) => link.abort(error));
  try {
    for await (const ack of exchange.responses) session.acknowledge(ack);
  } catch (error) {
    // Stop this link's sender before the session moves on, so it never sends on two links.
    link.abort(error);
    await sending.catch(() => undefined);
    throw error;
  }
  await sending;
}

async function run(): Promise<void> {
  let exclude: string[] = [];
  let previous: string | undefined;
  while (!stopping || session.counts.pending > 0) {
    let assignment: Assignment;
    try {
      assignment = await director.assign(exclude, `session ${shortId}`, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return;
      if (!isNoWorkers(error)) throw error;
      exclude = [];
      await sleep(250, abort.signal).catch(() => undefined);
      continue;
    }
    if (previous === undefined) {
      log.info(`🔗 session ${shortId} connected to ${assignment.label} (${assignment.rpcAddress})`);
    } else {
      swaps += 1;
      reportToParent({
        type: 'failover',
        at: Date.now(),
        from: previous,
        to: assignment.label,
        tokensSoFar: session.counts.acknowledged,
      });
      log.info(
        `🔀 session ${shortId} swapped ${previous} → ${assignment.label}: new connection to ${assignment.rpcAddress}, same session`,
      );
    }
    let failed = false;
    try {
      await carrySession(assignment);
      return;
    } catch (error) {
      failed = true;
      if (abort.signal.aborted) return;
      log.warn(
        `⚠️  connection to ${assignment.label} broke (${describeError(error)}); ${session.counts.pending} message(s) unacknowledged`,
      );
      previous = assignment.label;
      exclude = [assignment.workerId];
    } finally {
      void director.release(assignment.assignmentId, failed);
    }
  }
}

function describeSession(): string {
  const { sent, acknowledged, resent, pending } = session.counts;
  return `session ${shortId}: ${sent} messages sent, ${acknowledged} acknowledged in order, ${resent} resent, ${pending} pending, ${swaps} connection swaps, total ${session.total}`;
}

let progressTimer: NodeJS.Timeout | undefined;
let statsTimer: NodeJS.Timeout | undefined;

function report(): void {
  const { sent, acknowledged, pending } = session.counts;
  // In the demo's terms: a message is a call, acknowledged = completed, a swap = a failover.
  reportToParent({
    type: 'client-stats',
    at: Date.now(),
    counters: {
      callsStarted: sent,
      callsCompleted: acknowledged,
      callsLost: abort.signal.aborted ? pending : 0,
      callsCancelled: 0,
      failovers: swaps,
      tokens: acknowledged,
      activeCalls: pending,
    },
  });
}

stopOnSignals(log, async () => {
  stopping = true;
  const bound = sleep(STOP_DRAIN_MS).then(() => 'timeout' as const);
  if ((await Promise.race([running ?? Promise.resolve(), bound])) === 'timeout') {
    log.warn('messages still unacknowledged after the stop grace period; giving up on them');
    abort.abort(new Error('client stopping'));
    await running?.catch(() => undefined);
  }
  abort.abort(new Error('client stopped'));
  clearInterval(progressTimer);
  clearInterval(statsTimer);
  await director.close();
  await workers.closeAll();
  report();
  log.info(`🏁 ${describeSession()}`);
  reportToParent({ type: 'stopped', name: 'swap-client' });
});

async function main(): Promise<void> {
  log.info(
    `🆔 logical session ${session.id}; asking the director at ${showAddress(settings.directorAddr)} for a worker`,
  );
  reportToParent({
    type: 'ready',
    role: 'client',
    name: 'swap-client',
    nodeId: undefined,
    rpcAddress: undefined,
  });
  statsTimer = setInterval(report, 250);
  progressTimer = setInterval(() => log.info(`📈 ${describeSession()}`), PROGRESS_INTERVAL_MS);
  running = run();
  await running;
}

main().catch(exitOnStartFailure(log, 'session'));

// The cluster example's client. CLIENT_MODE=director (default): ask the director for a worker,
// stream tokens from it directly, and on a worker failure go back to the director for another
// and continue. CLIENT_MODE=cluster-client: join the cluster and let ClusterClient do all that.
import { ClientTally } from '../shared/client-counters.js';
import { createExampleLogger } from '../shared/console-logger.js';
import { reportToParent } from '../shared/demo-report.js';
import { describeError } from '../shared/describe-error.js';
import { sharedDevCertificate } from '../shared/dev-certificate.js';
import { DirectorConnection } from '../shared/director-connection.js';
import { readSettingsOrExit, showAddress } from '../shared/settings.js';
import { exitOnStartFailure, stopOnSignals } from '../shared/shutdown.js';
import { sleep } from '../shared/sleep.js';
import { WorkerConnections } from '../shared/worker-connections.js';
import { ClusterClientSession } from './cluster-client-session.js';
import {
  reportFailover,
  type StreamedAnswer,
  streamThroughDirector,
} from './stream-through-director.js';
import type { Token } from './worker-service.js';

/** Calls in progress get this long to finish once the client is asked to stop. */
const STOP_DRAIN_MS = 8000;
const PROGRESS_INTERVAL_MS = 5000;

const settings = readSettingsOrExit();
const log = createExampleLogger('client', settings.logLevel);
const certificate = sharedDevCertificate(settings.devCertDir);
const tls = { ca: certificate.certPem };
const tally = new ClientTally();
/** Aborted when calls in progress must end now; `stopping` alone lets them finish. */
const abort = new AbortController();
let stopping = false;
const sessionsDone: Promise<void>[] = [];
const director = new DirectorConnection(showAddress(settings.directorAddr), tls);
const workers = new WorkerConnections(tls);
let clusterSession: ClusterClientSession | undefined;

const events = {
  onToken: (session: string, token: Token, count: number) => {
    tally.tokens += 1;
    log.info(`🔤 ${session} token ${token.index + 1}/${count} from ${token.worker}: ${token.text}`);
  },
  onFailover: (from: string, to: string, tokensSoFar: number) => {
    tally.failovers += 1;
    reportFailover(from, to, tokensSoFar);
  },
};

/** One session: calls back to back until the client stops. */
async function runSession(index: number): Promise<void> {
  const name = `session-${index + 1}`;
  for (let call = 1; !stopping; call += 1) {
    const prompt = `${name} question ${call}`;
    tally.callsStarted += 1;
    try {
      const answer = await oneCall(name, prompt);
      tally.callsCompleted += 1;
      const route = answer.workers.join(' → ');
      const text = answer.tokens.map((t) => t.text).join(' ');
      if (answer.workers.length > 1 || settings.clientSessions === 1) {
        log.info(`✅ ${name} #${call}: ${answer.tokens.length} tokens via ${route}: "${text}"`);
      } else {
        log.debug(`✅ ${name} #${call}: ${answer.tokens.length} tokens via ${route}`);
      }
    } catch (error) {
      if (abort.signal.aborted) {
        tally.callsCancelled += 1;
        return;
      }
      tally.callsLost += 1;
      log.error(`❌ ${name} #${call} lost: ${describeError(error)}`);
      await sleep(500, abort.signal).catch(() => undefined);
    }
  }
}

function oneCall(name: string, prompt: string): Promise<StreamedAnswer> {
  if (clusterSession !== undefined) {
    return clusterSession.run(name, prompt, settings.clientTokens, abort.signal, events);
  }
  return streamThroughDirector(
    { name, director, workers, log, ...events },
    prompt,
    settings.clientTokens,
    abort.signal,
  );
}

let progressTimer: NodeJS.Timeout | undefined;
let statsTimer: NodeJS.Timeout | undefined;

stopOnSignals(log, async () => {
  stopping = true;
  const drained = Promise.all(sessionsDone);
  const bound = sleep(STOP_DRAIN_MS).then(() => 'timeout' as const);
  if ((await Promise.race([drained, bound])) === 'timeout') {
    log.warn('calls still running after the stop grace period; cancelling them');
    abort.abort(new Error('client stopping'));
    await drained;
  }
  abort.abort(new Error('client stopped'));
  clearInterval(progressTimer);
  clearInterval(statsTimer);
  await clusterSession?.close();
  await director.close();
  await workers.closeAll();
  reportToParent({ type: 'client-stats', at: Date.now(), counters: tally.snapshot() });
  log.info(`🏁 client done: ${tally.describe()}`);
  reportToParent({ type: 'stopped', name: 'client' });
});

async function main(): Promise<void> {
  if (settings.clientMode === 'cluster-client') {
    clusterSession = await ClusterClientSession.start(settings, tls, log, abort.signal);
  } else {
    log.info(`🔌 asking the director at ${showAddress(settings.directorAddr)} for workers`);
  }
  log.info(
    `🧵 ${settings.clientSessions} session(s) streaming ${settings.clientTokens} tokens per call (${settings.clientMode} mode)`,
  );
  reportToParent({
    type: 'ready',
    role: 'client',
    name: 'client',
    nodeId: undefined,
    rpcAddress: undefined,
  });
  statsTimer = setInterval(() => {
    reportToParent({ type: 'client-stats', at: Date.now(), counters: tally.snapshot() });
  }, 250);
  progressTimer = setInterval(() => log.info(`📈 ${tally.describe()}`), PROGRESS_INTERVAL_MS);
  for (let index = 0; index < settings.clientSessions && !stopping; index += 1) {
    sessionsDone.push(runSession(index));
  }
}

main().catch(exitOnStartFailure(log, 'client start'));

// `pnpm demo [cluster|swap]`: a director, three workers (some with simulated failures) and a
// client of the cluster example (default) or the connection_swap example, each its own process on
// 127.0.0.1 with free ports, shown live for a bounded time, then a summary.
import { type DemoOptions, parseDemoOptions } from './demo-options.js';
import { DemoRun } from './demo-run.js';
import { type DemoSummary, formatSummary, summarize } from './demo-summary.js';
import { findFreeUdpPorts } from './free-ports.js';

const HOST = '127.0.0.1';

/** Starts the director, the workers once it is up, the client once all are discovered; runs. */
async function runDemo(run: DemoRun): Promise<void> {
  const { view } = run;
  const scenario = run.options.scenario;
  const workers = scenario.workers;
  const [directorPort, directorGossipPort, ...workerPorts] = await findFreeUdpPorts(
    2 + workers.length * 2,
    HOST,
  );
  const shared = {
    RPCNET_DEV_CERT_DIR: run.certDir,
    DIRECTOR_ADDR: `${HOST}:${directorPort}`,
    DIRECTOR_GOSSIP_PORT: String(directorGossipPort),
  };
  view.line(
    `[demo] director on ${HOST}:${directorPort} (gossip ${directorGossipPort}); dev certificate in ${run.certDir}`,
  );
  run.start('director', scenario.directorScript, shared);
  await run.waitFor(() => run.ready.has('director'), 'the director to start');
  if (run.interrupted) return;
  workers.forEach((label, index) => {
    run.start(label, scenario.workerScript, {
      ...shared,
      WORKER_LABEL: label,
      WORKER_ADDR: `${HOST}:${workerPorts[index * 2]}`,
      WORKER_GOSSIP_PORT: String(workerPorts[index * 2 + 1]),
      WORKER_FAILURE_ENABLED: scenario.failing.includes(label) ? 'true' : 'false',
    });
  });
  const discovering = Date.now();
  await run.waitFor(
    () => workers.every((label) => run.state.discovered.has(label)),
    'the director to discover all three workers',
  );
  if (run.interrupted) return;
  view.line(
    `[demo] the director discovered all ${workers.length} workers through gossip in ${Date.now() - discovering} ms; starting the client`,
  );
  run.start('client', scenario.clientScript, {
    ...shared,
    ...scenario.clientEnv(run.options.sessions),
  });
  await run.waitFor(() => run.ready.has(scenario.clientName), 'the client to start');
  run.startClock();
  const refreshMs = run.options.view === 'tty' ? 250 : 5000;
  while (!run.interrupted && run.remainingS() > 0) {
    view.refresh(run.remainingS());
    await run.pause(Math.min(refreshMs, run.remainingS() * 1000));
  }
}

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(process.argv.slice(2), process.env, process.stdout.isTTY === true);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const run = new DemoRun(options);
  process.on('SIGINT', () => run.interrupt('SIGINT'));
  process.on('SIGTERM', () => run.interrupt('SIGTERM'));
  const { scenario } = options;
  console.log(
    `${scenario.title}: a director, ${scenario.workers.length} workers (${scenario.failing.join(' and ')} fail now and then, at random times) and a client running for ${options.durationS} s`,
  );
  let failure: string | undefined;
  try {
    await runDemo(run);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  if (options.view === 'tty') run.view.refresh(run.remainingS());
  run.view.close();
  if (failure !== undefined) console.error(`[demo] ${failure}`);
  console.log('[demo] stopping the client, then the workers, then the director...');
  const exits = await run.stopAll();
  const summary: DemoSummary = summarize(
    run.state,
    scenario.workers,
    (Date.now() - run.startedAt) / 1000,
    exits,
    run.interrupted,
  );
  for (const line of formatSummary(summary, scenario)) console.log(line);
  console.log(`DEMO_SUMMARY ${JSON.stringify(summary)}`);
  return summary.ok && failure === undefined ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

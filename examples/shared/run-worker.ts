import { RpcnetMetrics } from '@rpcnet/prometheus';
import { Registry } from 'prom-client';
import {
  ErrorCode,
  enableCluster,
  HealthCheckService,
  localClusterConfig,
  managementEndpointOf,
  RpcError,
  RpcServer,
} from 'rpcnet';
import { createExampleLogger, type ExampleLogger } from './console-logger.js';
import { reportToParent, type WorkerPhase } from './demo-report.js';
import { sharedDevCertificate } from './dev-certificate.js';
import { FailureCycle, failureRandomFor } from './failure-cycle.js';
import { logClusterEvents } from './log-cluster-events.js';
import { type ExampleSettings, readSettingsOrExit, showAddress } from './settings.js';
import { exitOnStartFailure, stopOnSignals } from './shutdown.js';

/** What a worker's handlers get from {@link runWorker}. */
export interface WorkerContext {
  readonly label: string;
  readonly settings: ExampleSettings;
  readonly log: ExampleLogger;
  /** Throws UNAVAILABLE while the simulated failure lasts: call it before and during work. */
  refuseWhileFailed(): void;
  /** Counts a call in flight until the returned function is called. */
  beginCall(): () => void;
  /** Counts units of work served (tokens, messages) for the reports. */
  served(count?: number): void;
}

/** How a particular example's worker serves: registers its methods on the server. */
export interface WorkerDefinition {
  /** Which methods it serves, for the start-up line (`compute and generate`). */
  readonly serves: string;
  register(server: RpcServer, context: WorkerContext): void;
}

/**
 * Runs an example worker: serves `definition`'s methods over QUIC at WORKER_ADDR, joins the
 * cluster through the director (the seed) tagged role=worker and label=<WORKER_LABEL>, publishes
 * its health with HealthCheckService (and, with WORKER_MANAGEMENT_ADDR, serves it at /readyz)
 * and, with WORKER_FAILURE_ENABLED=true, cycles through
 * simulated run / warning / failed / recovering phases (unhealthy and rejecting work while failed).
 */
export function runWorker(definition: WorkerDefinition): void {
  const settings = readSettingsOrExit();
  const label = settings.workerLabel;
  const log = createExampleLogger(label, settings.logLevel);
  const certificate = sharedDevCertificate(settings.devCertDir);
  const failures = new FailureCycle(
    settings.failure,
    failureRandomFor(label, settings.failureSeed),
  );
  let activeCalls = 0;
  let served = 0;
  let health: HealthCheckService | undefined;
  let statsTimer: NodeJS.Timeout | undefined;

  const context: WorkerContext = {
    label,
    settings,
    log,
    refuseWhileFailed: () => {
      if (failures.failed)
        throw new RpcError(ErrorCode.UNAVAILABLE, `${label} is failing (simulated)`);
    },
    beginCall: () => {
      activeCalls += 1;
      let ended = false;
      return () => {
        if (!ended) activeCalls -= 1;
        ended = true;
      };
    },
    served: (count = 1) => {
      served += count;
    },
  };
  // Prometheus metrics of this process, served at the management endpoint's /metrics.
  const metrics = new RpcnetMetrics({ registry: new Registry() });
  const server = new RpcServer({
    tls: { cert: certificate.certPem, key: certificate.keyPem },
    logger: log.library,
    observers: [metrics.serverObserver],
  });
  definition.register(server, context);

  stopOnSignals(log, async () => {
    clearInterval(statsTimer);
    failures.stop();
    await health?.stop();
    log.debug(`stopping with ${activeCalls} call(s) in flight`, { ...server.metrics });
    // enableCluster's stop: marks the node unhealthy, drains calls, leaves the cluster, then
    // stops the management endpoint.
    await server.stop({ graceMs: 2000 });
    log.info(`✅ ${label} stopped after serving ${served} messages`);
    reportToParent({ type: 'stopped', name: label });
  });

  const announce = (phase: WorkerPhase, durationMs: number): void => {
    const { warningMs, failedMs } = settings.failure;
    switch (phase) {
      case 'running':
        log.info(
          settings.failureEnabled
            ? `💚 ${label} is running normally; next simulated failure in ${(durationMs / 1000).toFixed(1)} s`
            : `💚 ${label} is running normally`,
        );
        break;
      case 'warning':
        log.warn(`⚠️  ${label} is degrading (simulated), failing in ${warningMs} ms`);
        break;
      case 'failed':
        log.warn(`💥 ${label} FAILED (simulated): unhealthy and rejecting work for ${failedMs} ms`);
        break;
      case 'recovering':
        log.info(`🔄 ${label} is recovering: healthy again, accepting work`);
        break;
    }
  };

  const start = async (): Promise<void> => {
    // Probes for orchestrators and /metrics: /readyz is 503 until joined and while unhealthy or
    // draining.
    const managementAddr = settings.workerManagementAddr;
    const cluster = await enableCluster(
      server,
      localClusterConfig({
        bindAddr: settings.workerAddr.host,
        gossipPort: settings.workerGossipPort,
        seedNodes: [showAddress(settings.directorGossipAddr)],
        tags: { role: 'worker', label },
        joinTimeoutMs: 30_000,
        ...(settings.gossipSecret === undefined ? {} : { secret: settings.gossipSecret }),
      }),
      {
        listen: settings.workerAddr,
        logger: log.library,
        management: managementAddr && {
          host: managementAddr.host,
          port: managementAddr.port,
          console: false,
          metrics: () => metrics.registry.metrics(),
        },
      },
    );
    metrics.observeServerTransport(server).observeGossip(cluster);
    const self = cluster.localNode();
    log.info(
      `🚀 ${label} serving ${definition.serves} on ${self.rpcAddress} (gossip ${self.gossipAddress}), joined via director ${showAddress(settings.directorGossipAddr)}`,
    );
    logClusterEvents(cluster, log);

    const checks = new HealthCheckService({
      publisher: cluster,
      checks: [
        {
          name: 'failure-simulation',
          check: async () => ({ healthy: !failures.failed, message: `phase ${failures.phase}` }),
        },
      ],
      intervalMs: 1000,
      logger: log.library,
    });
    health = checks;
    checks.start();
    failures.onChange((phase, durationMs) => {
      announce(phase, durationMs);
      reportToParent({ type: 'phase', at: Date.now(), label, phase });
      // Publish the healthy tag at once rather than at the next periodic round.
      void checks.runOnce();
    });
    const management = managementEndpointOf(cluster);
    if (management !== undefined) {
      log.info(`🩺 management endpoint, probes (/readyz, /livez) and /metrics: ${management.url}`);
    }
    if (settings.failureEnabled) {
      const { runMinMs, runMaxMs, warningMs, failedMs, recoveringMs } = settings.failure;
      log.info(
        `🎲 failure simulation on: run ${runMinMs}-${runMaxMs} ms (random, WORKER_FAILURE_SEED=${settings.failureSeed}), warning ${warningMs} ms, failed ${failedMs} ms, recovering ${recoveringMs} ms`,
      );
      failures.start();
    }
    reportToParent({
      type: 'ready',
      role: 'worker',
      name: label,
      nodeId: self.id,
      rpcAddress: self.rpcAddress,
    });
    statsTimer = setInterval(() => {
      reportToParent({
        type: 'worker-stats',
        at: Date.now(),
        label,
        phase: failures.phase,
        activeCalls,
        tokensServed: served,
      });
    }, 250);
  };
  start().catch(exitOnStartFailure(log, `${label} start on ${showAddress(settings.workerAddr)}`));
}

import { RpcnetMetrics } from '@rpcnet/prometheus';
import { Registry } from 'prom-client';
import {
  type Cluster,
  ErrorCode,
  enableCluster,
  LeastConnections,
  localClusterConfig,
  ManagementServer,
  RpcError,
  RpcServer,
  WorkerRegistry,
} from 'rpcnet';
import { createExampleLogger, type ExampleLogger } from './console-logger.js';
import { type MemberView, reportToParent } from './demo-report.js';
import { sharedDevCertificate } from './dev-certificate.js';
import { directorService } from './director-service.js';
import { logClusterEvents, memberName } from './log-cluster-events.js';
import { type ExampleSettings, readSettingsOrExit, showAddress } from './settings.js';
import { exitOnStartFailure, stopOnSignals } from './shutdown.js';
import { WorkerAssignments } from './worker-assignments.js';

const WORKER_FILTER = 'role=worker';

/** What a particular example's director does besides assigning workers, once it has joined. */
export interface DirectorExtras {
  /** Starts the extra work; returns the function that stops it. */
  start(
    cluster: Cluster,
    context: { log: ExampleLogger; caPem: string; settings: ExampleSettings },
  ): () => Promise<void>;
}
/** Connection counts change with every call; the pool line is printed at most this often for them. */
const POOL_PRINT_INTERVAL_MS = 5000;

/**
 * Runs a director: a cluster member tagged role=director (the workers' seed) with a
 * WorkerRegistry using LeastConnections, serving `director/assign_worker` and
 * `director/release_worker` at DIRECTOR_ADDR. Prints the worker pool when it changes.
 */
export function runDirector(extras?: DirectorExtras): void {
  const settings = readSettingsOrExit();
  const log = createExampleLogger('director', settings.logLevel);
  const certificate = sharedDevCertificate(settings.devCertDir);
  let assignments: WorkerAssignments | undefined;
  let registry: WorkerRegistry | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopExtras: (() => Promise<void>) | undefined;
  let management: ManagementServer | undefined;
  // Prometheus metrics of this process, served at the management endpoint's /metrics.
  const metrics = new RpcnetMetrics({ registry: new Registry() });

  const server = new RpcServer({
    tls: { cert: certificate.certPem, key: certificate.keyPem },
    logger: log.library,
    observers: [metrics.serverObserver],
  });
  server.service(directorService, {
    assign_worker: (request) => {
      if (assignments === undefined) {
        throw new RpcError(ErrorCode.UNAVAILABLE, 'the director is still starting');
      }
      const assignment = assignments.assign(request.exclude ?? []);
      log.info(
        `🎯 assigned ${assignment.label} (${assignment.rpcAddress}) to ${request.client ?? 'a client'}`,
      );
      return assignment;
    },
    release_worker: (request) => ({
      released: assignments?.release(request.assignmentId, request.failed ?? false) ?? false,
    }),
  });

  stopOnSignals(log, async () => {
    clearInterval(timer);
    await stopExtras?.();
    await management?.stop();
    assignments?.close();
    registry?.stop();
    await server.stop({ graceMs: 1000 });
    log.info('✅ director stopped');
    reportToParent({ type: 'stopped', name: 'director' });
  });

  const start = async (): Promise<void> => {
    const cluster = await enableCluster(
      server,
      localClusterConfig({
        bindAddr: settings.directorGossipAddr.host,
        gossipPort: settings.directorGossipAddr.port,
        tags: { role: 'director' },
        ...(settings.gossipSecret === undefined ? {} : { secret: settings.gossipSecret }),
      }),
      { listen: settings.directorAddr, logger: log.library },
    );
    const strategy = new LeastConnections();
    const pool = new WorkerRegistry(cluster, strategy, {
      workerFilter: WORKER_FILTER,
      logger: log.library,
    });
    registry = pool;
    metrics.observeServerTransport(server).observeGossip(cluster).observeWorkerRegistry(pool);
    assignments = new WorkerAssignments(pool, WORKER_FILTER);
    pool.start();
    const self = cluster.localNode();
    log.info(
      `🎬 director ready: RPC ${self.rpcAddress} (assign_worker), gossip seed ${self.gossipAddress}`,
    );
    log.info(`⚖️  balancing strategy: ${strategy.name} (workers matching ${WORKER_FILTER})`);
    stopExtras = extras?.start(cluster, { log, caPem: certificate.certPem, settings });
    logClusterEvents(cluster, log, { healthChanges: true });

    let lastPool = '';
    let lastPrinted = 0;
    const printPool = (membershipChanged: boolean): void => {
      const line = poolStatus(pool);
      if (line === lastPool) return;
      const now = Date.now();
      if (!membershipChanged && now - lastPrinted < POOL_PRINT_INTERVAL_MS) return;
      lastPool = line;
      lastPrinted = now;
      log.info(`📊 worker pool: ${line}`);
    };
    pool.on('WorkerAdded', ({ worker }) => {
      log.info(`➕ ${worker.tags.label ?? worker.id} available at ${worker.rpcAddress}`);
      reportToParent({
        type: 'worker-added',
        at: Date.now(),
        label: worker.tags.label ?? worker.id,
      });
      printPool(true);
    });
    pool.on('WorkerRemoved', ({ worker, reason }) => {
      const line = `➖ ${worker.tags.label ?? worker.id} removed from the pool (${reason})`;
      if (reason === 'left' || reason === 'stopped') log.info(line);
      else log.warn(line);
      reportToParent({
        type: 'worker-removed',
        at: Date.now(),
        label: worker.tags.label ?? worker.id,
        reason,
      });
      printPool(true);
    });
    // The management endpoint, web console and /metrics (read-only, loopback unless
    // MANAGEMENT_ADDR says).
    management = await ManagementServer.start({
      cluster,
      registry: pool,
      host: settings.managementAddr.host,
      port: settings.managementAddr.port,
      metrics: () => metrics.registry.metrics(),
      logger: log.library,
    });
    log.info(`🖥️  web console: ${management.url} (Prometheus: ${management.url}metrics)`);
    reportToParent({
      type: 'ready',
      role: 'director',
      name: 'director',
      nodeId: self.id,
      rpcAddress: self.rpcAddress,
      consoleUrl: management.url,
    });
    timer = setInterval(() => {
      printPool(false);
      reportToParent({ type: 'members', at: Date.now(), members: memberViews(cluster, pool) });
    }, 250);
  };
  start().catch(exitOnStartFailure(log, `director start on ${showAddress(settings.directorAddr)}`));
}

/** `worker-1 127.0.0.1:62001 (2 connections), ...` or `no workers`. */
function poolStatus(pool: WorkerRegistry): string {
  const workers = [...pool.workers()].sort((a, b) =>
    (a.tags.label ?? a.id).localeCompare(b.tags.label ?? b.id),
  );
  if (workers.length === 0) return 'no workers';
  return workers
    .map((w) => {
      const suspect = w.state === 'suspect' ? ' suspect' : '';
      const connections = w.inFlight === 1 ? 'connection' : 'connections';
      return `${w.tags.label ?? w.id} ${w.rpcAddress} (${w.inFlight} ${connections}${suspect})`;
    })
    .join(', ');
}

function memberViews(cluster: Cluster, pool: WorkerRegistry): MemberView[] {
  const selfId = cluster.localNode().id;
  return cluster.members({ includeDead: true }).map((node) => {
    const worker = pool.getWorker(node.id);
    return {
      id: node.id,
      label: node.id === selfId ? 'director' : memberName(node),
      role: node.tags.role ?? '',
      state: node.state,
      healthy: node.tags.healthy !== 'false',
      phi: node.id === selfId ? undefined : cluster.phi(node.id),
      assigned: worker?.inFlight ?? 0,
      available: worker !== undefined,
    };
  });
}

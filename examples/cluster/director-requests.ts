import { type Cluster, ClusterClient, jsonCodec, RoundRobin, WorkerRegistry } from 'rpcnet';
import { describeError } from '../shared/describe-error.js';
import type { DirectorExtras } from '../shared/run-director.js';
import type { ComputeReply, ComputeRequest } from './worker-service.js';
import { workerService } from './worker-service.js';

const computeRequest = jsonCodec<ComputeRequest>();
const computeReply = jsonCodec<ComputeReply>();

/**
 * The cluster example director's own traffic: every DIRECTOR_REQUEST_INTERVAL_MS it sends each
 * worker in its pool a small `compute` and logs the answer, so the director exercises its workers
 * even when no client is running. It uses a registry of its own, so these calls never count as
 * client assignments in LeastConnections.
 */
export const periodicWorkerRequests: DirectorExtras = {
  start(cluster: Cluster, { log, caPem, settings }) {
    const registry = new WorkerRegistry(cluster, new RoundRobin(), {
      workerFilter: 'role=worker',
    });
    registry.start();
    const client = new ClusterClient(registry, { tls: { ca: caPem }, logger: log.library });
    let round = 0;
    const sendRound = async (): Promise<void> => {
      round += 1;
      const numbers = [round, round + 1, round + 2];
      for (const worker of registry.workers()) {
        const label = worker.tags.label ?? worker.id;
        const started = Date.now();
        try {
          const { response } = await client.callWorkerDetailed(
            workerService.wireName('compute'),
            computeRequest.encode({ numbers }),
            `role=worker,label=${label}`,
            { timeoutMs: 2000 },
          );
          const reply = computeReply.decode(response);
          log.info(
            `📨 director → ${label}: compute(${numbers.join(', ')}) = ${reply.result} in ${Date.now() - started} ms`,
          );
        } catch (error) {
          log.warn(`📨 director → ${label}: compute failed (${describeError(error)})`);
        }
      }
    };
    let sending: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      sending = sending.then(sendRound);
    }, settings.directorRequestIntervalMs);
    return async () => {
      clearInterval(timer);
      await sending;
      await client.close();
      registry.stop();
    };
  },
};

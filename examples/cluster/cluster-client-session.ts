import {
  Cluster,
  ClusterClient,
  jsonCodec,
  LeastConnections,
  localClusterConfig,
  type TlsOptions,
  WorkerRegistry,
} from 'rpcnet';
import type { ExampleLogger } from '../shared/console-logger.js';
import { type ExampleSettings, showAddress } from '../shared/settings.js';
import { sleep } from '../shared/sleep.js';
import { type StreamedAnswer, streamTimeoutMs } from './stream-through-director.js';
import {
  type ComputeReply,
  type ComputeRequest,
  type GenerateRequest,
  type Token,
  workerService,
} from './worker-service.js';

const WORKER_FILTER = 'role=worker';
const computeRequest = jsonCodec<ComputeRequest>();
const computeReply = jsonCodec<ComputeReply>();
const generateRequest = jsonCodec<GenerateRequest>();
const token = jsonCodec<Token>();

/** Callbacks of a cluster-client session. */
export interface ClusterSessionEvents {
  onToken(session: string, token: Token, count: number): void;
  onFailover(from: string, to: string, tokensSoFar: number): void;
}

/**
 * The client without a director in the path: it joins the cluster itself (role=client), follows
 * the workers with its own WorkerRegistry (LeastConnections) and lets `ClusterClient` pick a
 * worker per call and fail over, resuming token streams on another worker.
 */
export class ClusterClientSession {
  readonly #cluster: Cluster;
  readonly #registry: WorkerRegistry;
  readonly #client: ClusterClient;
  readonly #log: ExampleLogger;

  private constructor(
    cluster: Cluster,
    registry: WorkerRegistry,
    client: ClusterClient,
    log: ExampleLogger,
  ) {
    this.#cluster = cluster;
    this.#registry = registry;
    this.#client = client;
    this.#log = log;
  }

  /** Joins through the director's gossip address and waits (until `signal`) for a first worker. */
  static async start(
    settings: ExampleSettings,
    tls: TlsOptions,
    log: ExampleLogger,
    signal: AbortSignal,
  ): Promise<ClusterClientSession> {
    const cluster = await Cluster.create(
      localClusterConfig({
        // Same machine as the director: loopback; otherwise every interface (an address is advertised).
        bindAddr: isLoopback(settings.directorGossipAddr.host)
          ? settings.directorGossipAddr.host
          : '0.0.0.0',
        gossipPort: settings.clientGossipPort,
        seedNodes: [showAddress(settings.directorGossipAddr)],
        tags: { role: 'client' },
        joinTimeoutMs: 30_000,
      }),
      { logger: log.library },
    );
    try {
      await cluster.join();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    const registry = new WorkerRegistry(cluster, new LeastConnections(), {
      workerFilter: WORKER_FILTER,
      logger: log.library,
    });
    registry.start();
    const client = new ClusterClient(registry, { tls, logger: log.library, maxAttempts: 4 });
    const session = new ClusterClientSession(cluster, registry, client, log);
    log.info(`🛰️  joined the cluster as a client (gossip ${cluster.localNode().gossipAddress})`);
    while (registry.size === 0) {
      if (signal.aborted) {
        await session.close();
        throw signal.reason;
      }
      await sleep(100);
    }
    log.info(`🔎 found ${registry.size} worker(s)`);
    return session;
  }

  /** One call: `compute` over the prompt's character codes, then a resumable `generate` stream. */
  async run(
    name: string,
    prompt: string,
    count: number,
    signal: AbortSignal,
    events: ClusterSessionEvents,
  ): Promise<StreamedAnswer> {
    const numbers = [...prompt].map((char) => char.charCodeAt(0) % 10);
    const computed = await this.#client.callWorkerDetailed(
      workerService.wireName('compute'),
      computeRequest.encode({ numbers }),
      WORKER_FILTER,
      { signal, timeoutMs: 5000 },
    );
    const reply = computeReply.decode(computed.response);
    this.#log.debug(`🧮 compute answered ${reply.result} (${reply.worker})`);
    if (computed.attempts > 1) {
      // failedWorkers are node ids; the reply names the worker that answered.
      this.#log.info(
        `🔀 compute failed over ${computed.attempts - 1} time(s), answered by ${reply.worker}`,
      );
      for (const failed of computed.failedWorkers) {
        const label = this.#registry.getWorker(failed)?.tags.label ?? failed.slice(0, 6);
        events.onFailover(label, reply.worker, 0);
      }
    }
    const tokens: Token[] = [];
    const workers: string[] = [];
    const stream = this.#client.streamWorker(
      workerService.wireName('generate'),
      generateRequest.encode({ prompt, from: 0, count }),
      WORKER_FILTER,
      {
        signal,
        timeoutMs: streamTimeoutMs(count),
        // Continue where the failed worker stopped: tokens are deterministic per prompt and index.
        resume: ({ messagesReceived }) =>
          generateRequest.encode({ prompt, from: messagesReceived, count }),
      },
    );
    let currentPart = -1;
    for await (const { message, part } of stream) {
      const next = token.decode(message);
      if (part !== currentPart) {
        // A new part means ClusterClient resumed the stream on another worker.
        const previous = workers.at(-1);
        if (previous !== undefined) {
          this.#log.info(
            `🔀 ${name} switched ${previous} → ${next.worker} at token ${tokens.length}/${count}`,
          );
          events.onFailover(previous, next.worker, tokens.length);
        }
        workers.push(next.worker);
        currentPart = part;
      }
      tokens.push(next);
      events.onToken(name, next, count);
    }
    return { tokens, workers };
  }

  /** Closes connections, stops the registry and leaves the cluster. */
  async close(): Promise<void> {
    await this.#client.close();
    this.#registry.stop();
    if (this.#cluster.running) await this.#cluster.leave().catch(() => this.#cluster.stop());
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

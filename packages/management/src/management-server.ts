import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type Unsubscribe } from '@rpcnet/base';
import type { ClusterEvent } from '@rpcnet/gossip';
import type { WorkerEvent } from '@rpcnet/registry';
import { consolePage } from './console-page.js';
import { EventLog, type UnsequencedEvent } from './event-log.js';
import { EventStream } from './event-stream.js';
import { MANAGEMENT_API_VERSION } from './management-api.js';
import {
  MANAGEMENT_DEFAULTS,
  type ManagementServerOptions,
  type ResolvedManagementOptions,
  resolveManagementOptions,
} from './management-config.js';
import { readiness } from './readiness.js';
import { hostAllowed, isLoopbackHost, tokenAccepted } from './request-access.js';
import { clientView, healthView, memberView, memberViews, workerView } from './views.js';

const API = `/api/v${MANAGEMENT_API_VERSION}`;

/**
 * A read-only HTTP endpoint over one cluster member: JSON documents (`/api/v1/...`), a
 * Server-Sent Events stream of membership and registry events, `/metrics` when given, probes
 * (`/readyz`, `/livez`) and the web console at `/`. Off unless started; listens on 127.0.0.1
 * unless `host` says otherwise.
 *
 * ```ts
 * const management = await ManagementServer.start({ cluster, registry, client });
 * console.log(`console at ${management.url}`);
 * ```
 */
export class ManagementServer {
  readonly #options: ResolvedManagementOptions;
  readonly #token: Buffer | undefined;
  readonly #log: EventLog;
  readonly #streams = new Set<EventStream>();
  readonly #server: Server;
  #unsubscribes: Unsubscribe[] = [];
  #address: AddressInfo | undefined;

  /** Validates `options` (throws `ManagementConfigError` naming the field); listens on nothing yet. */
  constructor(options: ManagementServerOptions) {
    this.#options = resolveManagementOptions(options);
    this.#token = this.#options.token === undefined ? undefined : Buffer.from(this.#options.token);
    this.#log = new EventLog(this.#options.eventHistory);
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#server.headersTimeout = 5_000;
    this.#server.requestTimeout = 10_000;
    // Malformed HTTP: answer 400 when the socket still can, never throw.
    this.#server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Creates an endpoint and starts it. */
  static async start(options: ManagementServerOptions): Promise<ManagementServer> {
    const server = new ManagementServer(options);
    await server.start();
    return server;
  }

  /** Starts listening and recording events; resolves once bound. */
  async start(): Promise<void> {
    if (this.#address !== undefined) throw new Error('management endpoint is already started');
    const { host, port, cluster, registry, logger, token } = this.#options;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#address = this.#server.address() as AddressInfo;
    this.#unsubscribes = [cluster.onEvent((event) => this.#recordCluster(event))];
    if (registry !== undefined) {
      this.#unsubscribes.push(registry.onEvent((event) => this.#recordWorker(event)));
    }
    if (!isLoopbackHost(host) && token === undefined) {
      logger.warn('management endpoint listens beyond loopback without a token', { host });
    }
    logger.info('management endpoint listening', { url: this.url });
  }

  /** Closes every stream and connection and stops listening. Harmless when not started. */
  async stop(): Promise<void> {
    if (this.#address === undefined) return;
    this.#address = undefined;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    for (const stream of [...this.#streams]) stream.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** The bound address as `host:port`; throws before `start()`. */
  get address(): string {
    if (this.#address === undefined) throw new Error('management endpoint is not started');
    return formatHostPort(this.#address.address, this.#address.port);
  }

  /** The console's URL (`http://host:port/`); throws before `start()`. */
  get url(): string {
    return `http://${this.address}/`;
  }

  #recordCluster(event: ClusterEvent): void {
    const { cluster, clock } = this.#options;
    let entry: UnsequencedEvent;
    if (event.type === 'PartitionDetected') {
      entry = {
        source: 'membership',
        type: event.type,
        reachable: [...event.reachable],
        unreachable: [...event.unreachable],
      };
    } else if (event.type === 'PartitionHealed') {
      entry = { source: 'membership', type: event.type, rejoined: [...event.rejoined] };
    } else {
      entry = { source: 'membership', type: event.type, node: memberView(cluster, event.node) };
    }
    this.#log.record(entry, clock.now());
  }

  #recordWorker(event: WorkerEvent): void {
    const entry: UnsequencedEvent =
      event.type === 'WorkerRemoved'
        ? {
            source: 'registry',
            type: event.type,
            worker: workerView(event.worker),
            reason: event.reason,
          }
        : { source: 'registry', type: event.type, worker: workerView(event.worker) };
    this.#log.record(entry, this.#options.clock.now());
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    try {
      this.#route(request, response);
    } catch (error) {
      this.#options.logger.error('management request failed', { error: String(error) });
      if (!response.headersSent) sendJson(response, 500, { error: 'internal' });
      else response.destroy();
    }
  }

  #route(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      sendJson(response, 405, { error: 'method_not_allowed', detail: 'the endpoint is read-only' });
      return;
    }
    if (!hostAllowed(request, this.#options.host)) {
      sendJson(response, 421, { error: 'bad_host', detail: 'use localhost or 127.0.0.1' });
      return;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://management.invalid');
    } catch {
      sendJson(response, 400, { error: 'bad_request' });
      return;
    }
    const path = url.pathname;
    if ((path === '/' || path === '/index.html') && this.#options.console) {
      // The page holds no cluster data; it reads the API with the token the operator gives it.
      sendText(response, 200, consolePage(), 'text/html; charset=utf-8', {
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      });
      return;
    }
    // Probes carry no token (a kubelet cannot put a Secret into a probe); they reveal only
    // whether this member serves, and why not.
    if (path === '/readyz') {
      const document = readiness(this.#options.cluster, this.#options.readyMinMembers);
      sendJson(response, document.ready ? 200 : 503, document);
      return;
    }
    if (path === '/livez') {
      const live = this.#options.cluster.running;
      sendJson(response, live ? 200 : 503, { version: MANAGEMENT_API_VERSION, live });
      return;
    }
    if (path !== '/metrics' && !path.startsWith('/api/')) {
      sendJson(response, 404, { error: 'not_found' });
      return;
    }
    if (!tokenAccepted(request, this.#token)) {
      response.setHeader('www-authenticate', 'Bearer realm="rpcnet management"');
      sendJson(response, 401, {
        error: 'unauthorized',
        detail: 'send Authorization: Bearer <token>',
      });
      return;
    }
    if (path === '/metrics') {
      this.#serveMetrics(response);
      return;
    }
    if (path === `${API}/stream`) {
      this.#openStream(request, response, url);
      return;
    }
    const document = path.startsWith(`${API}/`)
      ? this.#document(path.slice(API.length), url)
      : undefined;
    if (document === undefined) sendJson(response, 404, { error: 'not_found' });
    else sendJson(response, 200, document);
  }

  #document(route: string, url: URL): object | undefined {
    const { cluster, registry, client, clock } = this.#options;
    const version = MANAGEMENT_API_VERSION;
    switch (route) {
      case '/overview':
        return {
          version,
          at: clock.now(),
          node: memberView(cluster, cluster.localNode()),
          health: healthView(cluster),
          members: memberViews(cluster),
          workers: registry === undefined ? null : registry.workers().map(workerView),
          client: client === undefined ? null : clientView(client),
          partition: this.#log.partition,
        };
      case '/node':
        return {
          version,
          node: memberView(cluster, cluster.localNode()),
          health: healthView(cluster),
          gossip: cluster.running ? cluster.metrics() : null,
        };
      case '/members':
        return { version, self: cluster.id, members: memberViews(cluster) };
      case '/workers':
        return {
          version,
          workers: registry === undefined ? null : registry.workers().map(workerView),
        };
      case '/client':
        return { version, client: client === undefined ? null : clientView(client) };
      case '/events':
        return { version, events: this.#log.since(sequenceParam(url.searchParams.get('since'))) };
      default:
        return undefined;
    }
  }

  #openStream(request: IncomingMessage, response: ServerResponse, url: URL): void {
    if (this.#streams.size >= this.#options.maxStreams) {
      sendJson(response, 503, { error: 'too_many_streams' });
      return;
    }
    const lastId = request.headers['last-event-id'];
    const after = sequenceParam(
      typeof lastId === 'string' ? lastId : url.searchParams.get('since'),
    );
    const stream = new EventStream(
      response,
      this.#log,
      after,
      this.#options.clock,
      MANAGEMENT_DEFAULTS.streamHeartbeatMs,
      () => this.#streams.delete(stream),
    );
    this.#streams.add(stream);
  }

  #serveMetrics(response: ServerResponse): void {
    const { metrics, logger } = this.#options;
    if (metrics === undefined) {
      sendJson(response, 404, { error: 'not_found', detail: 'no metrics attached' });
      return;
    }
    Promise.resolve()
      .then(metrics)
      .then(
        (text) => sendText(response, 200, text, 'text/plain; version=0.0.4; charset=utf-8'),
        (error: unknown) => {
          logger.error('management: metrics failed', { error: String(error) });
          sendJson(response, 500, { error: 'metrics_failed' });
        },
      );
  }
}

/** A sequence number from a query or header; 0 (everything stored) when absent or malformed. */
function sequenceParam(value: string | null): number {
  if (value === null || !/^\d{1,15}$/.test(value)) return 0;
  return Number(value);
}

function sendJson(response: ServerResponse, status: number, body: object): void {
  sendText(response, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function sendText(
  response: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

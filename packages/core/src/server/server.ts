import { type Logger, silentLogger, systemWallClock, type WallClock } from '@rpcnet/base';
import { z } from 'zod';
import { CallObservers } from '../call/call-observations.js';
import { type CallObserver, observersSchema } from '../call-observer.js';
import { createDefaultTransport, type QuicTuning } from '../default-transport.js';
import { ErrorCode, type ProtocolError, RpcError } from '../errors.js';
import type {
  BidiStreamHandler,
  ClientStreamHandler,
  MethodHandler,
  ServerStreamHandler,
  UnaryHandler,
} from '../handlers.js';
import { chainInterceptors, interceptorsSchema } from '../interceptor-chain.js';
import { parseOptions, type RpcLimits, rpcLimitsSchema } from '../limits.js';
import { clockSchema, loggerSchema, transportSchema } from '../options-schemas.js';
import type { TlsOptions } from '../quic/tls.js';
import type { MethodMap, ServiceDefinition } from '../service/service-definition.js';
import { serviceHandlers } from '../service/service-registration.js';
import type { ServiceImplementation } from '../service/typed-interfaces.js';
import type {
  HostPort,
  Transport,
  TransportConnectionStats,
  TransportListener,
  TransportListenerStats,
} from '../transport.js';
import { handlerCallFn } from './handler-call.js';
import type { RegisteredMethod } from './registered-method.js';
import { ServerCallCounters } from './server-call-counters.js';
import { ServerConnection, type ServerConnectionHost } from './server-connection.js';
import type {
  ServerCallFn,
  ServerInterceptor,
  ServerRequest,
  ServerResponse,
} from './server-interceptor.js';
import { type RpcServerStopHook, StopHooks } from './stop-hooks.js';

/** Settings of an {@link RpcServer}. */
export interface RpcServerOptions {
  /** Carries connections. Default: QUIC, configured with `tls`. */
  transport?: Transport;
  /** Certificate and key for the default QUIC transport (ignored when `transport` is given). */
  tls?: TlsOptions;
  /** Where the server logs. Default: silent. */
  logger?: Logger;
  /** Time source for deadlines and keep-alive: a wall clock (epoch ms). Default: the system clock. */
  clock?: WallClock;
  /** Tuning of the default QUIC transport (e.g. `maxUdpPayloadSize`). */
  quic?: QuicTuning;
  /** Per-connection limits; see {@link RpcLimits} for the defaults. */
  limits?: Partial<RpcLimits>;
  /** How long `stop()` lets in-flight calls finish by default. Default 5000 ms. */
  stopGraceMs?: number;
  /** Wrap every handled call, the first outermost (tracing, auth, logging). Default: none. */
  interceptors?: readonly ServerInterceptor[];
  /**
   * Told where each handled call starts and ends, synchronously, without taking part in it
   * (metrics: `RpcnetMetrics.serverObserver`). Default: none.
   */
  observers?: readonly CallObserver[];
}

const serverOptionsSchema = z.strictObject({
  transport: transportSchema.optional(),
  tls: z.unknown().optional(),
  quic: z.unknown().optional(),
  logger: loggerSchema.default(silentLogger),
  clock: clockSchema.default(systemWallClock),
  limits: rpcLimitsSchema.default(rpcLimitsSchema.parse({})),
  stopGraceMs: z.number().int().min(0).default(5000),
  interceptors: interceptorsSchema.optional(),
  observers: observersSchema.optional(),
});

/** Counters of an {@link RpcServer}, as a snapshot. */
export interface RpcServerMetrics {
  /** Connections open now. */
  readonly connections: number;
  /** Calls being served now. */
  readonly activeCalls: number;
  /** Calls that reached a handler. */
  readonly callsStarted: number;
  /** Calls that ended successfully. */
  readonly callsSucceeded: number;
  /** Calls that reached a handler and ended with an error (including cancellations). */
  readonly callsFailed: number;
  /** Calls refused before a handler saw them (unknown method, limits, stopping). */
  readonly callsRejected: number;
  /** Malformed, oversized, truncated or out-of-order frames received. */
  readonly protocolErrors: number;
}

/** Transport counters of an {@link RpcServer}, as a snapshot. */
export interface RpcServerTransportStats {
  /** The listener's counters; undefined when stopped or when the transport keeps none. */
  readonly listener: TransportListenerStats | undefined;
  /** One entry per open connection whose transport keeps counters. */
  readonly connections: readonly TransportConnectionStats[];
}

/** Serves RPC methods over a {@link Transport}: register handlers, then `start()`. */
export class RpcServer {
  readonly #handlers = new Map<string, RegisteredMethod>();
  readonly #options: z.output<typeof serverOptionsSchema>;
  readonly #tls: TlsOptions | undefined;
  readonly #quic: QuicTuning | undefined;
  readonly #limits: RpcLimits;
  readonly #connectionHost: ServerConnectionHost;
  readonly #connections = new Set<ServerConnection>();
  readonly #stopHooks: StopHooks;
  #listener: TransportListener | undefined;
  #stopping: Promise<void> | undefined;
  #draining = false;
  readonly #counters = new ServerCallCounters();
  #callsRejected = 0;
  #protocolErrors = 0;

  constructor(options: RpcServerOptions = {}) {
    this.#options = parseOptions(serverOptionsSchema, options, 'RpcServer');
    this.#tls = options.tls;
    this.#quic = options.quic;
    this.#limits = this.#options.limits;
    this.#connectionHost = this.#createConnectionHost();
    this.#stopHooks = new StopHooks(this.#options.logger);
  }

  /** The bound address while started. */
  get address(): HostPort | undefined {
    return this.#listener?.address;
  }

  /** A snapshot of the server's counters. */
  get metrics(): RpcServerMetrics {
    return {
      connections: this.#connections.size,
      activeCalls: this.#counters.active,
      callsStarted: this.#counters.started,
      callsSucceeded: this.#counters.succeeded,
      callsFailed: this.#counters.failed,
      callsRejected: this.#callsRejected,
      protocolErrors: this.#protocolErrors,
    };
  }

  /**
   * Counters of the transport, where it keeps them (the lean QUIC driver does): the listener's,
   * and each open connection's (RTT, congestion window, packets).
   */
  transportStats(): RpcServerTransportStats {
    const connections: TransportConnectionStats[] = [];
    for (const connection of this.#connections) {
      const stats = connection.channel.connection.stats?.();
      if (stats !== undefined) connections.push(stats);
    }
    return { listener: this.#listener?.stats?.(), connections };
  }

  /** Registers a unary method. */
  unary(method: string, handler: UnaryHandler): this {
    return this.#register(method, { kind: 'unary', handler });
  }

  /** Registers a server-streaming method. */
  serverStream(method: string, handler: ServerStreamHandler): this {
    return this.#register(method, { kind: 'serverStream', handler });
  }

  /** Registers a client-streaming method. */
  clientStream(method: string, handler: ClientStreamHandler): this {
    return this.#register(method, { kind: 'clientStream', handler });
  }

  /** Registers a bidirectional-streaming method. */
  bidiStream(method: string, handler: BidiStreamHandler): this {
    return this.#register(method, { kind: 'bidiStream', handler });
  }

  /** Registers every method of a typed service (see {@link defineService}). */
  service<M extends MethodMap>(
    definition: ServiceDefinition<M>,
    implementation: ServiceImplementation<M>,
  ): this {
    for (const { method, registration } of serviceHandlers(definition, implementation)) {
      this.#register(method, registration);
    }
    return this;
  }

  /** Starts listening (default 127.0.0.1, port 0 = ephemeral) and returns the bound address. */
  async start(address: Partial<HostPort> = {}): Promise<HostPort> {
    if (this.#listener !== undefined) throw new Error('RpcServer is already started');
    const transport =
      this.#options.transport ??
      (await createDefaultTransport(this.#tls, this.#options.logger, this.#quic));
    this.#draining = false;
    const host = address.host ?? '127.0.0.1';
    const port = address.port ?? 0;
    this.#listener = await transport.listen({ host, port }, (connection) => {
      if (this.#draining) {
        void connection.close();
        return;
      }
      const serverConnection = new ServerConnection(connection, this.#connectionHost);
      this.#connections.add(serverConnection);
      serverConnection.start();
    });
    this.#options.logger.info('rpc server listening', { ...this.#listener.address });
    return this.#listener.address;
  }

  /**
   * Registers work to run around every later {@link stop}: `beforeDrain` before GOAWAY goes out
   * (the server still accepts calls), `afterDrain` once the server is fully closed. Returns a
   * function that unregisters the hook. See {@link RpcServerStopHook}.
   */
  onStop(hook: RpcServerStopHook): () => void {
    return this.#stopHooks.add(hook);
  }

  /**
   * Stops gracefully: runs the `beforeDrain` hooks, refuses new calls (GOAWAY), lets in-flight
   * calls finish for up to `graceMs`, fails the rest with UNAVAILABLE, closes every connection
   * and the listener, then runs the `afterDrain` hooks. Calls made while a stop is in progress
   * share it; a server that is not started returns at once.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#listener === undefined) return this.#stopping ?? Promise.resolve();
    this.#stopping ??= this.#stop(this.#listener, options.graceMs ?? this.#options.stopGraceMs);
    return this.#stopping;
  }

  async #stop(listener: TransportListener, graceMs: number): Promise<void> {
    try {
      await this.#stopHooks.beforeDrain();
      await this.#drainAndClose(listener, graceMs);
    } finally {
      this.#listener = undefined;
      try {
        await this.#stopHooks.afterDrain();
      } finally {
        this.#stopping = undefined;
      }
    }
  }

  async #drainAndClose(listener: TransportListener, graceMs: number): Promise<void> {
    this.#draining = true;
    for (const connection of this.#connections) {
      connection.goAway(ErrorCode.UNAVAILABLE, 'server is stopping');
    }
    const drained = Promise.all([...this.#connections].map((c) => c.whenIdle()));
    let cancelTimer: (() => void) | undefined;
    const graceOver = new Promise<void>((resolve) => {
      cancelTimer = this.#options.clock.setTimer(graceMs, resolve);
    });
    await Promise.race([drained, graceOver]);
    cancelTimer?.();
    const stopped = new RpcError(ErrorCode.UNAVAILABLE, 'server stopped');
    for (const connection of this.#connections) connection.abortAll(stopped);
    await Promise.all([...this.#connections].map((connection) => connection.close()));
    await listener.close();
    this.#options.logger.info('rpc server stopped', { ...listener.address });
  }

  #register(method: string, registration: MethodHandler): this {
    if (method.length === 0) throw new TypeError('method: expected a non-empty name');
    if (this.#handlers.has(method)) throw new Error(`method "${method}" is already registered`);
    const chain = chainInterceptors<ServerRequest, ServerResponse>(
      [this.#counters.interceptor, ...((this.#options.interceptors ?? []) as ServerInterceptor[])],
      handlerCallFn(registration),
    ) as ServerCallFn;
    this.#handlers.set(method, { registration, chain });
    return this;
  }

  #createConnectionHost(): ServerConnectionHost {
    const server = this;
    const logger = this.#options.logger;
    const observers = this.#options.observers;
    return {
      limits: this.#limits,
      clock: this.#options.clock,
      logger,
      observers:
        observers === undefined || observers.length === 0
          ? undefined
          : new CallObservers(observers, logger),
      get draining() {
        return server.#draining;
      },
      lookup: (method) => this.#handlers.get(method),
      onCallRejected: () => {
        this.#callsRejected += 1;
      },
      onProtocolError: (error: ProtocolError) => {
        this.#protocolErrors += 1;
        logger.warn('rpc protocol error', { message: error.message, callId: error.callId });
      },
      onConnectionClosed: (connection) => {
        this.#connections.delete(connection);
      },
    };
  }
}

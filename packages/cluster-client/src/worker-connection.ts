import {
  type CallObserver,
  type CallOptions,
  type ClientInterceptor,
  type Logger,
  QuicTransport,
  type QuicTuning,
  RpcClient,
  type TlsOptions,
  type TransportConnectionStats,
} from '@rpcnet/core';

/** Where a worker's RPC server is: its node id and `host:port`. */
export interface WorkerTarget {
  readonly id: string;
  readonly rpcAddress: string;
}

/**
 * The connection the cluster client calls workers through. `RpcClient` from `@rpcnet/core`
 * satisfies it; tests supply fakes.
 */
export interface WorkerConnection {
  /** Calls a unary method. */
  unary(method: string, request: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
  /** Calls a server-streaming method; iterating yields the responses. */
  serverStream(
    method: string,
    request: Uint8Array,
    options?: CallOptions,
  ): AsyncIterable<Uint8Array>;
  /** Closes the connection; calls in flight fail with UNAVAILABLE. */
  close(): Promise<void>;
  /** Runs `listener` once when the connection closes (`error` unless closed gracefully). */
  onClose(listener: (error?: Error) => void): () => void;
  /** Calls in progress on this connection. */
  readonly inFlight: number;
  /** Transport counters (RTT, congestion window, packets), where the transport keeps them. */
  transportStats?(): TransportConnectionStats | undefined;
}

/** Opens a connection to a worker; rejects (ideally with an `RpcError`) when it cannot. */
export type ConnectWorker = (worker: WorkerTarget) => Promise<WorkerConnection>;

/** What {@link quicConnector} needs to dial workers over QUIC. */
export interface QuicConnectorOptions {
  /** CA and verification settings for the workers' certificates. */
  readonly tls?: TlsOptions | undefined;
  /** QUIC tuning, e.g. `maxUdpPayloadSize`. */
  readonly quic?: QuicTuning | undefined;
  /** Bound on connecting, including the protocol HELLO. */
  readonly connectTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Wrap every call on the workers' connections (tracing). */
  readonly interceptors?: readonly ClientInterceptor[] | undefined;
  /** Told of every call's start and end on the workers' connections (metrics). */
  readonly observers?: readonly CallObserver[] | undefined;
}

/**
 * The default {@link ConnectWorker}: `RpcClient.connect` to the worker's RPC address over QUIC.
 * The transport is built once, here, so a `tls` or `quic` option that cannot work fails at
 * construction with a config error naming it, not later as every worker being unreachable.
 */
export function quicConnector(options: QuicConnectorOptions = {}): ConnectWorker {
  const transport = new QuicTransport({
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.connectTimeoutMs }),
    ...options.quic,
    tls: options.tls ?? {},
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return (worker) =>
    RpcClient.connect(worker.rpcAddress, {
      transport,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.interceptors === undefined ? {} : { interceptors: options.interceptors }),
      ...(options.observers === undefined ? {} : { observers: options.observers }),
    });
}

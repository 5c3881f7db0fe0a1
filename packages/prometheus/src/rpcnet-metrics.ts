import { type AnyClock, ConfigError, systemMonotonicClock } from '@rpcnet/base';
import type { CallObserver } from '@rpcnet/core';
import type { Registry } from 'prom-client';
import { callMetricsObserver } from './call-metrics-observer.js';
import {
  type ClusterClientSource,
  type GossipSource,
  registerClusterClientCollectors,
  registerGossipCollectors,
  registerRegistryCollectors,
  type WorkerListSource,
} from './cluster-collectors.js';
import { RpcInstruments } from './rpc-instruments.js';
import {
  registerClientTransportCollectors,
  registerServerTransportCollectors,
  type TransportClientSource,
  type TransportServerSource,
} from './transport-collectors.js';

/** Settings of {@link RpcnetMetrics}. */
export interface RpcnetMetricsOptions {
  /** The prom-client `Registry` every instrument is registered in (yours: rpcnet keeps none). */
  registry: Registry;
  /** Prefix of every metric name. Default `rpcnet_`. */
  prefix?: string;
  /** Measures call durations (only differences are used). Default: `performance.now()`. */
  clock?: AnyClock;
}

/** Raised for a bad {@link RpcnetMetricsOptions} field or a source observed twice. */
export class MetricsConfigError extends ConfigError {
  constructor(field: string, reason: string) {
    super(field, reason, { component: 'RpcnetMetrics' });
    this.name = 'MetricsConfigError';
  }
}

/**
 * rpcnet's instruments in a prom-client registry: RPC metrics through call observers, and the
 * cluster's, registry's, cluster client's and QUIC transport's counters read on each scrape.
 *
 * ```ts
 * const metrics = new RpcnetMetrics({ registry: new Registry() });
 * const server = new RpcServer({ observers: [metrics.serverObserver] });
 * ```
 */
export class RpcnetMetrics {
  readonly registry: Registry;
  readonly prefix: string;
  readonly #now: () => number;
  #server: CallObserver | undefined;
  #client: CallObserver | undefined;
  readonly #observed = new Set<string>();
  readonly #servers = new Set<TransportServerSource>();
  readonly #clients = new Set<TransportClientSource>();

  constructor(options: RpcnetMetricsOptions) {
    const registry = options?.registry as Partial<Registry> | undefined;
    if (typeof registry?.metrics !== 'function' || typeof registry.registerMetric !== 'function') {
      throw new MetricsConfigError('registry', 'expected a prom-client Registry');
    }
    const prefix = options.prefix ?? 'rpcnet_';
    if (!/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
      throw new MetricsConfigError('prefix', `"${prefix}" is not a valid metric name prefix`);
    }
    this.registry = options.registry;
    this.prefix = prefix;
    const clock = options.clock ?? systemMonotonicClock;
    this.#now = () => clock.now();
  }

  /** Records every call an `RpcServer` handles (`rpc_server_*`); pass it in `observers`. */
  get serverObserver(): CallObserver {
    this.#server ??= callMetricsObserver(
      new RpcInstruments(this.registry, this.prefix, 'server'),
      'server',
      this.#now,
    );
    return this.#server;
  }

  /** Records every call an `RpcClient` makes (`rpc_client_*`); pass it in `observers`. */
  get clientObserver(): CallObserver {
    this.#client ??= callMetricsObserver(
      new RpcInstruments(this.registry, this.prefix, 'client'),
      'client',
      this.#now,
    );
    return this.#client;
  }

  /** Reports a gossip `Cluster` (`gossip_*`): members, probes, suspicions, RTT, phi, traffic. */
  observeGossip(cluster: GossipSource): this {
    this.#once('gossip');
    registerGossipCollectors(this.registry, this.prefix, cluster);
    return this;
  }

  /** Reports a `WorkerRegistry` (`registry_workers`). */
  observeWorkerRegistry(workers: WorkerListSource): this {
    this.#once('workerRegistry');
    registerRegistryCollectors(this.registry, this.prefix, workers);
    return this;
  }

  /** Reports a `ClusterClient` (`cluster_client_*`): calls, failovers, hedges, ejections. */
  observeClusterClient(client: ClusterClientSource): this {
    this.#once('clusterClient');
    registerClusterClientCollectors(this.registry, this.prefix, client);
    return this;
  }

  /** Adds an `RpcServer`'s QUIC listener and connections to `quic_server_*`. */
  observeServerTransport(server: TransportServerSource): this {
    if (this.#servers.size === 0) {
      registerServerTransportCollectors(this.registry, this.prefix, () => this.#servers);
    }
    this.#servers.add(server);
    return this;
  }

  /** Adds an `RpcClient`'s QUIC connection to `quic_client_*` (labelled with its server). */
  observeClientTransport(client: TransportClientSource): this {
    if (this.#clients.size === 0) {
      registerClientTransportCollectors(this.registry, this.prefix, () => this.#clients);
    }
    this.#clients.add(client);
    return this;
  }

  #once(source: string): void {
    if (this.#observed.has(source)) {
      throw new MetricsConfigError(source, 'already observed: one per RpcnetMetrics (registry)');
    }
    this.#observed.add(source);
  }
}

import { lookup } from 'node:dns/promises';
import type { RandomSource } from '@rpcnet/base';
import {
  type MonotonicClock as Clock,
  formatHostPort,
  type Logger,
  silentLogger,
  systemMonotonicClock as systemClock,
  type Unsubscribe,
} from '@rpcnet/base';
import {
  checkAdvertisedHost,
  reachableHost,
  withAdvertiseAddrFromEnv,
} from './advertise-address.js';
import { type ClusterConfig, type ClusterConfigInput, parseClusterConfig } from './config.js';
import { destinationResolver, type HostLookup, localDestinations } from './destination-names.js';
import { ClusterConfigError, ClusterError, ClusterErrorCode } from './errors.js';
import { ClusterEventHub, type SubscribeOptions } from './event-hub.js';
import type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
import { Keyring } from './keyring.js';
import type { GossipMetricsSnapshot } from './metrics.js';
import { type ClusterNode, type NodeId, NodeState, type NodeTags } from './node.js';
import { createNodeId } from './node-id.js';
import { SECURE_OVERHEAD_BYTES, SecureTransport } from './secure-transport.js';
import type { SeedDiscovery } from './seed-discovery.js';
import { SeedRefresher } from './seed-refresher.js';
import { partitionSeeds } from './seed-resolution.js';
import { SwimProtocol } from './swim.js';
import type { PacketTransport } from './transport.js';
import type { TransportDropReason } from './transport-drop.js';
import { UdpTransport } from './udp-transport.js';

/** What a {@link Cluster} is built from besides its config; all optional. */
export interface ClusterOptions {
  readonly logger?: Logger;
  /** Default {@link systemClock}. */
  readonly clock?: Clock;
  /** Default `Math.random`. */
  readonly random?: RandomSource;
  /**
   * Keys to seal gossip with, instead of deriving them from `config.secret` and
   * `config.acceptedSecrets`; keep a reference to rotate keys while running.
   */
  readonly keyring?: Keyring;
  /**
   * Opens the datagram transport instead of binding UDP (e.g. a simulated network). Given the
   * validated config; the returned transport is closed by `stop()`.
   */
  readonly openTransport?: (config: ClusterConfig) => Promise<PacketTransport>;
  /**
   * Where to find seeds besides `config.seedNodes`: {@link dnsSeeds}, {@link dnsSrvSeeds},
   * {@link seedsFrom}, .... Asked by `join()`, on each join retry and every reconnect interval.
   */
  readonly seedDiscovery?: SeedDiscovery;
  /** Where `RPCNET_ADVERTISE_ADDR` is read from when `config.advertiseAddr` is absent. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type Lifecycle = 'idle' | 'starting' | 'running' | 'stopping';

/** A transport layer that reports the datagrams it drops. */
interface DropReporting {
  onDrop(listener: (reason: TransportDropReason) => void): void;
}

/**
 * A gossip cluster member (the GossipService): binds the gossip UDP port, runs SWIM membership
 * over it (sealed with AES-256-GCM when a secret is configured) and reports who is in the cluster.
 *
 * ```ts
 * const cluster = await Cluster.create(localClusterConfig({ gossipPort: 0, seedNodes: ['127.0.0.1:7946'] }));
 * await cluster.join();
 * cluster.on('NodeFailed', ({ node }) => console.log('lost', node.id));
 * ```
 */
export class Cluster {
  /** The validated configuration. */
  readonly config: ClusterConfig;
  /** This node's id: `config.nodeId`, or a nanoid fixed for the life of this object. */
  readonly id: NodeId;
  /** The keys gossip is sealed with, when a secret or keyring was given; rotate through it. */
  readonly keyring: Keyring | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #openTransport: ((config: ClusterConfig) => Promise<PacketTransport>) | undefined;
  readonly #seedDiscovery: SeedDiscovery | undefined;
  #seedRefresher: SeedRefresher | undefined;
  /** The address the socket is bound to, once started. */
  #boundAddress: string | undefined;
  /** Resolves DNS names for real sockets; undefined for injected transports. */
  #lookupHost: HostLookup | undefined;
  readonly #events: ClusterEventHub;
  #tags: Record<string, string>;
  #lifecycle: Lifecycle = 'idle';
  #transport: PacketTransport | undefined;
  #protocol: SwimProtocol | undefined;
  #unsubscribeProtocol: (() => void) | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /** Validates `config` (throws `ClusterError(INVALID_CONFIG)` naming the field); binds nothing. */
  constructor(config: ClusterConfigInput | ClusterConfig = {}, options: ClusterOptions = {}) {
    this.config = withAdvertiseAddrFromEnv(parseClusterConfig(config), options.env);
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#openTransport = options.openTransport;
    this.#seedDiscovery = options.seedDiscovery;
    this.id = this.config.nodeId ?? createNodeId();
    this.#tags = { ...this.config.tags };
    this.keyring = options.keyring ?? keyringFromConfig(this.config);
    this.#events = new ClusterEventHub((error) =>
      this.#logger.error('cluster event listener threw', { error: String(error) }),
    );
  }

  /** Creates a cluster member and starts it (binds the socket). Call `join()` next. */
  static async create(
    config: ClusterConfigInput | ClusterConfig = {},
    options: ClusterOptions = {},
  ): Promise<Cluster> {
    const cluster = new Cluster(config, options);
    await cluster.start();
    return cluster;
  }

  /** True between a successful `start()` and `stop()`. */
  get running(): boolean {
    return this.#lifecycle === 'running';
  }

  /**
   * Binds the gossip socket and starts probing and gossip. Rejects with `ALREADY_STARTED` if
   * running, `BIND_FAILED` if the port is taken. May be called again after `stop()`.
   */
  start(): Promise<void> {
    if (this.#lifecycle !== 'idle') {
      return Promise.reject(
        new ClusterError(ClusterErrorCode.AlreadyStarted, 'cluster member is already started'),
      );
    }
    this.#lifecycle = 'starting';
    this.#starting = this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    let transport: PacketTransport;
    const layers: DropReporting[] = [];
    try {
      transport = await this.#bind(layers);
    } catch (error) {
      this.#lifecycle = 'idle';
      if (error instanceof ClusterError) throw error;
      throw new ClusterError(
        ClusterErrorCode.BindFailed,
        `cannot bind gossip socket ${formatHostPort(this.config.bindAddr, this.config.gossipPort)}: ${String(error)}`,
        { cause: error },
      );
    }
    let protocol: SwimProtocol;
    try {
      if (this.#openTransport === undefined) {
        checkAdvertisedHost(hostOf(this.#advertisedAddress(transport)), this.config.seedNodes);
      }
      this.#seedRefresher = await this.#createSeedRefresher(transport);
      protocol = this.#createProtocol(transport);
    } catch (error) {
      this.#lifecycle = 'idle';
      await transport.close();
      throw error;
    }
    for (const layer of layers) layer.onDrop((reason) => protocol.recordDrop(reason));
    this.#transport = transport;
    this.#protocol = protocol;
    this.#unsubscribeProtocol = protocol.onEvent((event) => this.#events.emit(event));
    protocol.start();
    this.#lifecycle = 'running';
    this.#logger.info('gossip member started', { id: this.id, address: transport.localAddress });
  }

  /**
   * Joins the cluster through `seeds` (default `config.seedNodes`), retrying with backoff; resolves
   * with the number of members learned. With no seeds other than itself it resolves 0 (first node).
   */
  async join(seeds: readonly string[] = this.config.seedNodes): Promise<number> {
    if (!Array.isArray(seeds) || seeds.some((seed) => typeof seed !== 'string')) {
      throw new TypeError(
        `join(seeds): seeds must be an array of "host:port" strings, e.g. ['10.0.0.1:7946'], got ${JSON.stringify(seeds)}`,
      );
    }
    const protocol = this.#running();
    const self = await localDestinations({
      bound: this.#boundAddress ?? protocol.localNode().gossipAddress,
      advertised: protocol.localNode().gossipAddress,
      ...(this.#lookupHost === undefined ? {} : { lookup: this.#lookupHost }),
    });
    const { others, unresolved } = await partitionSeeds(seeds, self, this.#lookupHost);
    const failures = unresolved.map(({ seed, reason }) => `${seed} (${reason})`);
    const discovery = this.#seedRefresher;
    // A failed first discovery is logged and counted; the protocol retries it until the deadline.
    await discovery?.discover().catch(() => {});
    if (this.#openTransport === undefined) {
      const advertised = hostOf(protocol.localNode().gossipAddress);
      checkAdvertisedHost(advertised, [...others, ...(discovery?.current() ?? [])]);
    }
    if (others.length === 0 && discovery === undefined) {
      if (unresolved.length === 0) return 0;
      throw new ClusterError(ClusterErrorCode.JoinFailed, `no seed resolves: ${failures}`);
    }
    try {
      return await protocol.join(others);
    } catch (error) {
      const discoveryError = discovery?.lastError;
      if (discoveryError !== undefined) failures.push(discoveryError.message);
      if (!(error instanceof ClusterError) || failures.length === 0) throw error;
      const reasons = failures.join(', ');
      throw new ClusterError(error.code, `${error.message}; and ${reasons}`, { cause: error });
    }
  }

  /** Announces a graceful departure (others see `NodeLeft`), waits for it to spread, then stops. */
  async leave(): Promise<void> {
    const protocol = this.#running();
    try {
      await protocol.leave();
    } finally {
      await this.stop();
    }
  }

  /** Stops probing and gossip, closes the socket and ends `subscribe()` iterators. Idempotent. */
  stop(): Promise<void> {
    if (this.#lifecycle === 'idle') return Promise.resolve();
    if (this.#stopping) return this.#stopping;
    const starting = this.#starting;
    this.#stopping = (async () => {
      // A stop during start waits for the socket, then releases it (or finds nothing to release).
      await starting?.catch(() => {});
      if (this.#lifecycle === 'idle') {
        this.#stopping = undefined;
        return;
      }
      this.#lifecycle = 'stopping';
      this.#protocol?.stop();
      this.#unsubscribeProtocol?.();
      this.#unsubscribeProtocol = undefined;
      try {
        await this.#transport?.close();
      } finally {
        this.#transport = undefined;
        this.#events.endSubscriptions();
        this.#lifecycle = 'idle';
        this.#stopping = undefined;
        this.#logger.info('gossip member stopped', { id: this.id });
      }
    })();
    return this.#stopping;
  }

  /** Sets one of this node's tags and gossips it (others see `NodeUpdated`). */
  setTag(key: string, value: string): void {
    if (key.length === 0) throw new ClusterConfigError('key', 'a tag key must not be empty');
    this.#tags = { ...this.#tags, [key]: value };
    this.#publishTags();
  }

  /** Removes one of this node's tags and gossips the change. */
  removeTag(key: string): void {
    if (!(key in this.#tags)) return;
    const { [key]: _removed, ...rest } = this.#tags;
    this.#tags = rest;
    this.#publishTags();
  }

  /** This node's tags as set locally. */
  tags(): NodeTags {
    return { ...this.#tags };
  }

  /** This node as the cluster sees it. */
  localNode(): ClusterNode {
    if (this.#protocol) return this.#protocol.localNode();
    return {
      id: this.id,
      gossipAddress: formatHostPort(
        this.config.advertiseAddr ?? this.config.bindAddr,
        this.config.advertisePort ?? this.config.gossipPort,
      ),
      rpcAddress: this.config.rpcAddress,
      tags: { ...this.#tags },
      state: NodeState.Alive,
      incarnation: 0,
    };
  }

  /** Known members including this node (dead and left ones only with `includeDead`). */
  members(options?: { includeDead?: boolean }): ClusterNode[] {
    return this.#protocol?.members(options) ?? [];
  }

  /** Live members carrying every given tag (`{ role: 'worker', zone: 'a' }`), via the tag index. */
  nodesByTag(filter: NodeTags): ClusterNode[] {
    return this.#protocol?.nodesByTag(filter) ?? [];
  }

  /** Current phi (suspicion level) of a member's failure detector, if it has samples. */
  phi(id: NodeId): number | undefined {
    return this.#protocol?.phi(id);
  }

  /** The last direct-probe round trip to a member in ms, if one was measured. */
  probeRtt(id: NodeId): number | undefined {
    return this.#protocol?.probeRtt(id);
  }

  /** Members by state, traffic, drops by reason, probe RTTs, suspicions. Throws before `start()`. */
  metrics(): GossipMetricsSnapshot {
    if (!this.#protocol) {
      throw new ClusterError(ClusterErrorCode.NotStarted, 'cluster member was never started');
    }
    const seedDiscovery = this.#seedRefresher?.stats();
    const metrics = this.#protocol.metrics();
    return seedDiscovery === undefined ? metrics : { ...metrics, seedDiscovery };
  }

  /** Calls `listener` for every event; returns the function that unsubscribes it. */
  onEvent(listener: (event: ClusterEvent) => void): Unsubscribe {
    return this.#events.onEvent(listener);
  }

  /** Events as an async iterator; ends on `stop()`; `break` / `return()` unsubscribes. */
  subscribe(options?: SubscribeOptions): AsyncIterableIterator<ClusterEvent> {
    return this.#events.subscribe(options);
  }

  /**
   * Calls `listener` for each event of `type`, or for every event with `'event'`; returns the
   * function that unsubscribes it.
   */
  on<T extends ClusterEventType>(
    type: T,
    listener: (event: ClusterEventOf<T>) => void,
  ): Unsubscribe;
  on(type: 'event', listener: (event: ClusterEvent) => void): Unsubscribe;
  on(type: ClusterEventType | 'event', listener: (event: never) => void): Unsubscribe {
    return this.#events.on(type as 'event', listener as (event: ClusterEvent) => void);
  }

  /** Like `on`, for the next matching event only; returns the function that unsubscribes it. */
  once<T extends ClusterEventType>(
    type: T,
    listener: (event: ClusterEventOf<T>) => void,
  ): Unsubscribe;
  once(type: 'event', listener: (event: ClusterEvent) => void): Unsubscribe;
  once(type: ClusterEventType | 'event', listener: (event: never) => void): Unsubscribe {
    return this.#events.once(type as 'event', listener as (event: ClusterEvent) => void);
  }

  /** Removes a listener added with `on` or `once` (calling what they returned does the same). */
  off<T extends ClusterEventType>(type: T, listener: (event: ClusterEventOf<T>) => void): void;
  off(type: 'event', listener: (event: ClusterEvent) => void): void;
  off(type: ClusterEventType | 'event', listener: (event: never) => void): void {
    this.#events.off(type as 'event', listener as (event: ClusterEvent) => void);
  }

  async #createSeedRefresher(transport: PacketTransport): Promise<SeedRefresher | undefined> {
    if (this.#seedDiscovery === undefined) return undefined;
    return new SeedRefresher({
      discovery: this.#seedDiscovery,
      clock: this.#clock,
      logger: this.#logger,
      isSelf: await localDestinations({
        bound: transport.localAddress,
        advertised: this.#advertisedAddress(transport),
      }),
      retryInitialMs: this.config.joinRetryInitialMs,
      retryMaxMs: Math.max(this.config.joinRetryMaxMs, this.config.reconnectIntervalMs),
    });
  }

  #createProtocol(transport: PacketTransport): SwimProtocol {
    return new SwimProtocol({
      ...(this.#seedRefresher === undefined ? {} : { discoveredSeeds: this.#seedRefresher }),
      // The wire limit covers the seal; the protocol packs messages into what is left of it.
      config: this.keyring
        ? { ...this.config, maxDatagramBytes: this.config.maxDatagramBytes - SECURE_OVERHEAD_BYTES }
        : this.config,
      transport,
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      local: {
        id: this.id,
        gossipAddress: this.#advertisedAddress(transport),
        rpcAddress: this.config.rpcAddress,
        tags: { ...this.#tags },
      },
    });
  }

  /** Opens the transport stack; the layers that report drops are appended to `layers`. */
  async #bind(layers: DropReporting[]): Promise<PacketTransport> {
    const transport = this.#openTransport
      ? await this.#openTransport(this.config)
      : await UdpTransport.bind({
          host: this.config.bindAddr,
          port: this.config.gossipPort,
          maxDatagramBytes: this.config.maxDatagramBytes,
          logger: this.#logger,
        });
    if (transport instanceof UdpTransport) layers.push(transport);
    this.#boundAddress = transport.localAddress;
    // Real sockets resolve names (seeds given by DNS name, `localhost`) to addresses; injected
    // transports address nodes as written.
    const family = this.config.bindAddr.includes(':') ? 6 : 4;
    this.#lookupHost =
      transport instanceof UdpTransport
        ? async (host) => (await lookup(host, { family })).address
        : undefined;
    if (!this.keyring) return transport;
    // Seal for the address the receiver knows as its own, whatever name a peer was given.
    const lookupHost = this.#lookupHost;
    const secure = new SecureTransport(transport, this.keyring, {
      isLocalDestination: await localDestinations({
        bound: transport.localAddress,
        advertised: this.#advertisedAddress(transport),
        ...(lookupHost === undefined ? {} : { lookup: lookupHost }),
      }),
      ...(lookupHost === undefined
        ? {}
        : {
            resolveDestination: destinationResolver({
              lookup: lookupHost,
              now: () => this.#clock.now(),
            }),
          }),
    });
    layers.push(secure);
    return secure;
  }

  #advertisedAddress(transport: PacketTransport): string {
    const bound = transport.localAddress;
    const boundPort = Number(bound.slice(bound.lastIndexOf(':') + 1));
    const port = this.config.advertisePort ?? boundPort;
    const host = this.config.advertiseAddr ?? reachableHost(this.config.bindAddr);
    return formatHostPort(host, port);
  }

  #running(): SwimProtocol {
    if (this.#lifecycle !== 'running' || !this.#protocol) {
      throw new ClusterError(ClusterErrorCode.NotStarted, 'cluster member is not running');
    }
    return this.#protocol;
  }

  #publishTags(): void {
    if (this.#lifecycle === 'running') this.#protocol?.setTags({ ...this.#tags });
  }
}

/** The keyring `config.secret` / `config.acceptedSecrets` describe, if any. */
function keyringFromConfig(config: ClusterConfig): Keyring | undefined {
  if (config.secret === undefined) return undefined;
  return new Keyring(
    Keyring.deriveKey(config.secret),
    config.acceptedSecrets.map(Keyring.deriveKey),
  );
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
}

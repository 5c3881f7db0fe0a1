import type { RandomSource } from '@rpcnet/base';
import { createSeededRandom, type Logger, VirtualClock } from '@rpcnet/base';
import { type ClusterConfig, type ClusterConfigInput, lanClusterConfig } from '../config.js';
import type { ClusterEvent } from '../events.js';
import { MemberRecordPool } from '../member-record-pool.js';
import type { NodeId, NodeTags } from '../node.js';
import { createNodeId } from '../node-id.js';
import { type DiscoveredSeeds, SwimProtocol } from '../swim.js';
import type { PacketTransport } from '../transport.js';
import { PausableClock } from './pausable-clock.js';
import { SharedMessageCodec } from './shared-message-codec.js';
import { SimulatedNetwork } from './simulated-network.js';

/** Options of a {@link SimulatedCluster}. */
export interface SimulatedClusterOptions {
  /** Seed of every random choice (network and protocol). Default 1. */
  readonly seed?: number;
  /** Configuration of every node, over the LAN preset. */
  readonly config?: ClusterConfigInput;
  readonly lossRate?: number;
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly logger?: Logger;
  /**
   * Keep every node's events in {@link SimulatedNode.events}. Default true; large simulations turn
   * it off (n nodes each see n joins) and count what they need through `protocol.onEvent`.
   */
  readonly recordEvents?: boolean;
  /**
   * Hand each receiver the sender's decoded messages instead of decoding its datagram again
   * (see {@link SharedMessageCodec}); bytes sent are still encoded and counted. Default true;
   * false decodes every datagram as a real node does.
   */
  readonly shareDecodedMessages?: boolean;
  /**
   * Default true. False (with shared messages) sends zeros of each datagram's wire length
   * instead of its encoded bytes (see `SharedMessageCodecOptions.wireBytes`): sizes, limits and
   * bandwidth stay the wire's; large simulations skip encoding and copying every record they send.
   */
  readonly wireBytes?: boolean;
}

/** Options of one node of a {@link SimulatedCluster}. */
export interface SimulatedNodeOptions {
  readonly tags?: NodeTags;
  readonly address?: string;
  readonly config?: ClusterConfigInput;
  /** Seeds found by discovery; given the node's clock (pausing it pauses discovery too). */
  readonly discoveredSeeds?: (clock: PausableClock, address: string) => DiscoveredSeeds;
}

/** One node of a {@link SimulatedCluster}. */
export interface SimulatedNode {
  readonly id: NodeId;
  readonly address: string;
  readonly protocol: SwimProtocol;
  readonly transport: PacketTransport;
  /** This node's view of the shared clock; pausing it stands for SIGSTOP. */
  readonly clock: PausableClock;
  /** Every event this node emitted, with the virtual time it happened at (unless turned off). */
  readonly events: Array<{ readonly at: number; readonly event: ClusterEvent }>;
  /** False once crashed or stopped. */
  running: boolean;
}

/**
 * Many {@link SwimProtocol} nodes on one {@link SimulatedNetwork} under one {@link VirtualClock}:
 * the harness of the protocol tests and of the gossip benchmark.
 */
export class SimulatedCluster {
  readonly clock: VirtualClock;
  readonly network: SimulatedNetwork;
  readonly random: RandomSource;
  readonly config: ClusterConfig;
  private readonly nodeList: SimulatedNode[] = [];
  private readonly logger: Logger | undefined;
  private readonly recordEvents: boolean;
  /** One record per member version for all nodes, instead of one per node. */
  private readonly recordPool = new MemberRecordPool();
  private readonly codec: SharedMessageCodec | undefined;

  constructor(options: SimulatedClusterOptions = {}) {
    this.clock = new VirtualClock();
    this.random = createSeededRandom(options.seed ?? 1);
    const share = options.shareDecodedMessages ?? true;
    this.codec = share
      ? new SharedMessageCodec({ wireBytes: options.wireBytes ?? true })
      : undefined;
    this.network = new SimulatedNetwork({
      copyDatagrams: !share,
      clock: this.clock,
      random: this.random,
      lossRate: options.lossRate ?? 0,
      delayMs: options.delayMs ?? 1,
      jitterMs: options.jitterMs ?? 0,
    });
    this.config = lanClusterConfig(options.config ?? {});
    this.logger = options.logger;
    this.recordEvents = options.recordEvents ?? true;
  }

  /** Every node ever added, crashed ones included. */
  get nodes(): readonly SimulatedNode[] {
    return this.nodeList;
  }

  /** Nodes still running. */
  running(): SimulatedNode[] {
    return this.nodeList.filter((node) => node.running);
  }

  /** The node with `id`. */
  node(id: NodeId): SimulatedNode {
    const node = this.nodeList.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no simulated node ${id}`);
    return node;
  }

  /** Creates and starts a node (not yet joined). */
  addNode(options: SimulatedNodeOptions = {}): SimulatedNode {
    const node = this.startNode(createNodeId(this.random), options);
    this.nodeList.push(node);
    return node;
  }

  /**
   * Starts a crashed node again under its id, as a process restarted with its identity kept: at its
   * old address and with its old tags unless given, its incarnation starting over at 0, not joined.
   * The new life takes the old one's place in {@link nodes}.
   */
  restart(id: NodeId, options: SimulatedNodeOptions = {}): SimulatedNode {
    const index = this.nodeList.findIndex((candidate) => candidate.id === id);
    const old = this.nodeList[index];
    if (old === undefined) throw new Error(`no simulated node ${id}`);
    if (old.running) throw new Error(`simulated node ${id} is running; crash it first`);
    const node = this.startNode(id, {
      address: old.address,
      tags: old.protocol.localNode().tags,
      ...options,
    });
    this.nodeList[index] = node;
    return node;
  }

  private startNode(id: NodeId, options: SimulatedNodeOptions): SimulatedNode {
    const raw = this.network.createTransport(options.address);
    const clock = new PausableClock(this.clock);
    // A paused process leaves received datagrams in its socket buffer until it runs again.
    const transport: PacketTransport = {
      localAddress: raw.localAddress,
      onPacket: (handler) => raw.onPacket((data, from) => clock.receive(() => handler(data, from))),
      send: (to, data) => raw.send(to, data),
      close: () => raw.close(),
    };
    const config =
      options.config === undefined
        ? this.config
        : lanClusterConfig({ ...this.config, ...options.config });
    const protocol = new SwimProtocol({
      config,
      transport,
      clock,
      random: this.random,
      ...(this.logger === undefined ? {} : { logger: this.logger }),
      local: { id, gossipAddress: transport.localAddress, tags: options.tags ?? {} },
      recordPool: this.recordPool,
      ...(this.codec === undefined ? {} : { codec: this.codec }),
      ...(options.discoveredSeeds === undefined
        ? {}
        : { discoveredSeeds: options.discoveredSeeds(clock, transport.localAddress) }),
    });
    const node: SimulatedNode = {
      id,
      address: transport.localAddress,
      protocol,
      transport,
      clock,
      events: [],
      running: true,
    };
    if (this.recordEvents) {
      protocol.onEvent((event) => node.events.push({ at: this.clock.now(), event }));
    }
    protocol.start();
    return node;
  }

  /**
   * Adds `count` nodes that join through the first running node (or each other, if none); the
   * joins are started but not awaited.
   */
  addNodes(count: number, options: { tags?: NodeTags } = {}): SimulatedNode[] {
    const added: SimulatedNode[] = [];
    for (let i = 0; i < count; i++) {
      const seed = this.running()[0];
      const node = this.addNode(options);
      if (seed !== undefined) node.protocol.join([seed.address]).catch(() => {});
      added.push(node);
    }
    return added;
  }

  /** Kills a node without a goodbye: its timers stop and its address goes silent. */
  crash(id: NodeId): void {
    const node = this.node(id);
    node.running = false;
    node.protocol.stop();
    void node.transport.close();
  }

  /** Stops scheduling a node (SIGSTOP): its timers and received datagrams wait. */
  pause(id: NodeId): void {
    this.node(id).clock.pause();
  }

  /** Lets a paused node run again (SIGCONT): overdue timers fire, then buffered datagrams arrive. */
  resume(id: NodeId): void {
    this.node(id).clock.resume();
  }

  /** True when every running node sees exactly the running nodes as alive. */
  converged(): boolean {
    const running = this.running();
    const expected = new Set(running.map((node) => node.id));
    return running.every((node) => {
      const alive = node.protocol.members().filter((member) => member.state === 'alive');
      return alive.length === expected.size && alive.every((member) => expected.has(member.id));
    });
  }

  /** Events of `type` emitted by any node. */
  eventsOf(
    type: ClusterEvent['type'],
  ): Array<{ readonly node: NodeId; readonly at: number; readonly event: ClusterEvent }> {
    return this.nodeList.flatMap((node) =>
      node.events
        .filter((entry) => entry.event.type === type)
        .map((entry) => ({ node: node.id, ...entry })),
    );
  }
}

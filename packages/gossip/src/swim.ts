import type { RandomSource } from '@rpcnet/base';
import {
  type CancelTimer,
  type MonotonicClock as Clock,
  EventListeners,
  type Logger,
  silentLogger,
  type Unsubscribe,
} from '@rpcnet/base';
import { AntiEntropy } from './anti-entropy.js';
import { Awareness } from './awareness.js';
import { DATAGRAM_HEADER_BYTES, framedSize } from './codec.js';
import type { ClusterConfig } from './config.js';
import { BroadcastQueue, retransmitLimit } from './dissemination.js';
import { ClusterError, ClusterErrorCode } from './errors.js';
import type { ClusterEvent } from './events.js';
import { type MemberRecordPool, sameMetadata } from './member-record-pool.js';
import { isLive, MemberTable, type MemberTableChange } from './member-table.js';
import { type MessageCodec, wireCodec } from './message-codec.js';
import {
  type AliveMessage,
  type AliveUpdate,
  aliveMessageOf,
  type DeadMessage,
  type GossipMessage,
  type LeftMessage,
  type PushPullMessage,
  type StateUpdateMessage,
  type SuspectMessage,
} from './messages.js';
import { GossipMetrics, type GossipMetricsSnapshot } from './metrics.js';
import { type ClusterNode, type NodeId, NodeState, type NodeTags } from './node.js';
import { PartitionDetector, type PartitionView } from './partition.js';
import { PauseGuard } from './pause-guard.js';
import { ProbeScheduler } from './probe-scheduler.js';
import { shuffleInPlace } from './random.js';
import { type DiscoveredSeeds, SeedJoin } from './seed-join.js';
import { Suspicion } from './suspicion.js';
import { SuspicionRule } from './suspicion-rule.js';
import type { Lifecycle, SwimContext } from './swim-context.js';
import type { PacketTransport } from './transport.js';

export type { DiscoveredSeeds } from './seed-join.js';

/** Everything a {@link SwimProtocol} needs; time, randomness and the network are injected. */
export interface SwimProtocolOptions {
  /** Parsed, validated configuration. */
  config: ClusterConfig;
  /** Already bound; encryption, if any, is a wrapper transport. */
  transport: PacketTransport;
  clock: Clock;
  random: RandomSource;
  logger?: Logger;
  /** The local node as advertised to others. */
  local: { id: NodeId; gossipAddress: string; rpcAddress?: string; tags: NodeTags };
  /** Seeds found by discovery (DNS, ...), asked again on join retries and reconnects. */
  discoveredSeeds?: DiscoveredSeeds;
  /** Shares member records with other nodes of the same process (a simulation). Default none. */
  recordPool?: MemberRecordPool;
  /** Default the wire codec; a simulation passes one that skips decoding (`SharedMessageCodec`). */
  codec?: MessageCodec;
}

/**
 * The SWIM membership protocol with the Lifeguard extensions, phi-gated suspicion, piggybacked
 * dissemination, push-pull anti-entropy and the partition rule. Fully deterministic given its
 * clock, random source and transport; `docs/membership-protocol.md` describes every rule.
 */
export class SwimProtocol {
  private readonly config: ClusterConfig;
  private readonly transport: PacketTransport;
  private readonly codec: MessageCodec;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly localId: NodeId;
  private readonly memberTable: MemberTable;
  /** Pending updates, kept encoded so each is serialized once however often it is sent. */
  private readonly broadcasts = new BroadcastQueue<Uint8Array>();
  private readonly suspicions = new Map<NodeId, Suspicion>();
  private readonly awareness: Awareness;
  private readonly counters = new GossipMetrics();
  private readonly partition: PartitionDetector;
  private readonly suspicionRule: SuspicionRule;
  private readonly pauseGuard: PauseGuard;
  private readonly probes: ProbeScheduler;
  private readonly antiEntropy: AntiEntropy;
  private readonly seedJoin: SeedJoin;
  // A throwing listener is logged and never stops delivery to the others.
  private readonly listeners = new EventListeners<ClusterEvent>((error, event) =>
    this.logger.error('cluster event listener threw', { type: event.type, error: String(error) }),
  );
  private readonly timers = new Set<CancelTimer>();
  private lifecycle: Lifecycle = 'created';
  private leaving: Promise<void> | undefined;
  private finishLeave: (() => void) | undefined;
  /** Members that became live in our table (joins and returns), for the catch-up pull. */
  private membersLearned = 0;
  /**
   * What the partition rule reads of our table, read when evaluated: one object for every
   * evaluation (one per member joining, thousands per node as a large simulation forms).
   */
  private readonly partitionView: PartitionView;

  constructor(options: SwimProtocolOptions) {
    this.config = options.config;
    this.transport = options.transport;
    this.codec = options.codec ?? wireCodec;
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger ?? silentLogger;
    this.localId = options.local.id;
    this.memberTable = new MemberTable(
      {
        id: options.local.id,
        gossipAddress: options.local.gossipAddress,
        rpcAddress: options.local.rpcAddress,
        tags: { ...options.local.tags },
        state: NodeState.Alive,
        incarnation: 0,
      },
      this.clock.now(),
      options.recordPool,
    );
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    this.partition = new PartitionDetector({
      fraction: this.config.partitionFraction,
      windowMs: this.config.partitionWindowMs,
      minUnreachable: this.config.partitionMinUnreachable,
    });
    this.suspicionRule = new SuspicionRule(this.config);
    this.pauseGuard = new PauseGuard(this.config.pauseThresholdMs);
    const otherLiveCount = (): number => this.otherLiveCount();
    this.partitionView = {
      localId: this.localId,
      get liveRemoteCount() {
        return otherLiveCount();
      },
      aliveRemotes: () => this.remoteIdsIn(NodeState.Alive),
      suspectRemotes: () => this.remoteIdsIn(NodeState.Suspect),
    };
    const transport = this.transport;
    const context: SwimContext = {
      config: this.config,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      localId: this.localId,
      memberTable: this.memberTable,
      counters: this.counters,
      awareness: this.awareness,
      pauseGuard: this.pauseGuard,
      codec: this.codec,
      get localAddress() {
        return transport.localAddress;
      },
      lifecycle: () => this.lifecycle,
      send: (address, messages, piggyback) => this.send(address, messages, piggyback),
      transmit: (address, messages) => this.transmit(address, messages),
      after: (delayMs, callback) => this.after(delayMs, callback),
      sample: (count, accept) => this.sample(count, accept),
      otherLiveCount: () => this.otherLiveCount(),
    };
    this.probes = new ProbeScheduler(
      context,
      (message) => this.handleSuspect(message),
      options.recordPool?.idNumbering(),
    );
    this.antiEntropy = new AntiEntropy(context, {
      alive: (record, rebroadcast) => this.handleAlive(record, rebroadcast),
      suspect: (message) => this.handleSuspect(message),
      left: (message) => this.handleLeft(message),
      joinReply: (last) => this.seedJoin.onReply(last),
    });
    this.seedJoin = new SeedJoin(
      context,
      (address, join, reply) => this.antiEntropy.sendFullState(address, join, reply),
      this.config.seedNodes,
      options.discoveredSeeds,
    );
  }

  /** Registers on the transport and starts the probe, gossip, push-pull and reconnect timers. */
  start(): void {
    if (this.lifecycle !== 'created') {
      throw new ClusterError(
        this.lifecycle === 'running' ? ClusterErrorCode.AlreadyStarted : ClusterErrorCode.Stopped,
        `cannot start a gossip node that is ${this.lifecycle}`,
      );
    }
    this.lifecycle = 'running';
    this.transport.onPacket((data, from) => this.handlePacket(data, from));
    this.broadcastLocalAlive();
    const { probeIntervalMs, gossipIntervalMs, pushPullIntervalMs, reconnectIntervalMs } =
      this.config;
    // Random first offsets keep simultaneously started nodes out of lockstep.
    this.loop(
      this.random() * probeIntervalMs,
      () => this.awareness.scale(probeIntervalMs),
      () => this.probes.tick(),
    );
    this.loop(
      this.random() * gossipIntervalMs,
      () => gossipIntervalMs,
      () => this.gossipTick(),
    );
    this.loop(
      this.random() * pushPullIntervalMs,
      () => this.antiEntropy.interval(),
      () => this.antiEntropy.tick(),
    );
    this.loop(
      this.random() * reconnectIntervalMs,
      () => reconnectIntervalMs,
      () => this.reconnectTick(),
    );
  }

  /**
   * Contacts `seeds` and the discovered seeds (full-state push-pull) until one answers, retrying
   * with exponential backoff and asking discovery again on each retry. Resolves with the number of
   * other members then known (0 at once when there is no seed: the first node); rejects with
   * JOIN_FAILED after `joinTimeoutMs`. Seeds are remembered and re-contacted to heal partitions.
   */
  join(seeds: readonly string[]): Promise<number> {
    return this.seedJoin.join(seeds);
  }

  /**
   * Announces a graceful leave (gossiped as Left) and resolves once the update went out to
   * `gossipFanout` members, or after `leaveTimeoutMs`. The node stops probing; call `stop()` next.
   */
  leave(): Promise<void> {
    if (this.leaving !== undefined) return this.leaving;
    if (this.lifecycle !== 'running') return Promise.resolve();
    this.lifecycle = 'leaving';
    const self = this.memberTable.local();
    this.memberTable.setLocal({ ...self, state: NodeState.Left }, this.clock.now());
    // The queue drops an update after the retransmit limit, so never wait for more sends than that.
    const wanted = Math.min(
      this.config.gossipFanout,
      this.otherLiveCount(),
      retransmitLimit(this.config.retransmitMultiplier, this.memberTable.liveCount()),
    );
    this.leaving = new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.finishLeave !== done) return;
        this.finishLeave = undefined;
        cancelTimeout();
        if (this.lifecycle === 'leaving') this.lifecycle = 'left';
        resolve();
      };
      const cancelTimeout = this.after(this.config.leaveTimeoutMs, done);
      this.finishLeave = done;
      const left: LeftMessage = { kind: 'left', id: self.id, incarnation: self.incarnation };
      this.broadcast(self.id, left, (transmits) => {
        if (transmits >= wanted) done();
      });
      if (wanted === 0) done();
      else this.gossipTick();
    });
    return this.leaving;
  }

  /** Cancels every timer and pending operation; nothing is sent afterwards. Idempotent. */
  stop(): void {
    if (this.lifecycle === 'stopped') return;
    this.lifecycle = 'stopped';
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    for (const suspicion of this.suspicions.values()) suspicion.cancel();
    this.suspicions.clear();
    this.probes.clear();
    this.antiEntropy.clear();
    this.seedJoin.abortAll(
      new ClusterError(ClusterErrorCode.Stopped, 'the gossip node was stopped'),
    );
    this.finishLeave?.();
  }

  /** Replaces the local tags: raises the incarnation and gossips the new alive record. */
  setTags(tags: NodeTags): void {
    const self = this.memberTable.local();
    const change = this.memberTable.setLocal(
      { ...self, tags: { ...tags }, incarnation: self.incarnation + 1 },
      this.clock.now(),
    );
    this.broadcastLocalAlive();
    this.emitChange(change);
  }

  /** The local node's current record. */
  localNode(): ClusterNode {
    return this.memberTable.local();
  }

  /** Known members, the local one included: alive and suspect ones, or all with `includeDead`. */
  members(options?: { includeDead?: boolean }): ClusterNode[] {
    return this.memberTable.members(options?.includeDead === true);
  }

  /** Live members carrying every `key=value` of `filter`, answered from the tag index. */
  nodesByTag(filter: NodeTags): ClusterNode[] {
    return this.memberTable.nodesByTag(filter);
  }

  /** Phi of `id` from the acks it sent us, or undefined if it never acked a probe. */
  phi(id: NodeId): number | undefined {
    return this.probes.phi(id);
  }

  /** The last direct-probe round trip to `id` in ms, or undefined if none was measured. */
  probeRtt(id: NodeId): number | undefined {
    return this.probes.rtt(id);
  }

  /** Subscribes to membership events; returns the unsubscribe function. */
  onEvent(listener: (event: ClusterEvent) => void): Unsubscribe {
    return this.listeners.onEvent(listener);
  }

  /** A snapshot of the counters. */
  metrics(): GossipMetricsSnapshot {
    const c = this.counters;
    return {
      members: this.memberTable.countByState(),
      datagramsIn: c.datagramsIn,
      datagramsOut: c.datagramsOut,
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      drops: c.dropCounts(),
      probesSent: c.probesSent,
      probesAcked: c.probesAcked,
      probesFailed: c.probesFailed,
      probeRtt: c.rttStats(),
      suspicionsRaised: c.suspicionsRaised,
      suspicionsRefuted: c.suspicionsRefuted,
      selfRefutations: c.selfRefutations,
      addressTakeovers: c.addressTakeovers,
      awareness: this.awareness.score,
      incarnation: this.memberTable.local().incarnation,
    };
  }

  /** Counts a datagram dropped before reaching the protocol (e.g. `auth` by a secure transport). */
  recordDrop(reason: string): void {
    this.counters.recordDrop(reason);
  }

  /**
   * Receives one datagram: the handler registered on the transport. Oversized or undecodable
   * input is counted under `drops` and ignored; nothing thrown escapes.
   */
  handlePacket(data: Uint8Array, from: string): void {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'created') {
      this.counters.recordDrop('not-running');
      return;
    }
    this.counters.datagramsIn++;
    this.counters.bytesIn += data.length;
    if (data.length > this.config.maxDatagramBytes) {
      this.counters.recordDrop('oversize');
      return;
    }
    let messages: GossipMessage[];
    try {
      messages = this.codec.decodeDatagram(data);
    } catch (error) {
      this.counters.recordDrop('decode');
      this.logger.debug('dropped undecodable gossip datagram', { from, error: String(error) });
      return;
    }
    this.counters.messagesIn += messages.length;
    // Members first heard of in gossiped `alive` updates or in the answer to a digest (not in a
    // join's or an introduction's full table): news of several makes anti-entropy pull the rest.
    let news = 0;
    for (const message of messages) {
      const learnedBefore = this.membersLearned;
      try {
        this.handleMessage(message, from);
        if (message.kind === 'alive' || (message.kind === 'push-pull' && isDigestAnswer(message)))
          news += this.membersLearned - learnedBefore;
      } catch (error) {
        this.counters.recordDrop('handler-error');
        this.logger.error('gossip message handler failed', {
          from,
          kind: message.kind,
          error: String(error),
        });
      }
    }
    this.antiEntropy.learned(news, from);
  }

  private handleMessage(message: GossipMessage, from: string): void {
    switch (message.kind) {
      case 'ping':
        if (message.target !== this.localId) {
          this.counters.recordDrop('misaddressed');
          return;
        }
        this.send(from, [{ kind: 'ack', seq: message.seq, from: this.localId }], true);
        this.antiEntropy.introduceIfUnknown(message.from, from);
        return;
      case 'ack':
        this.probes.onAck(message.seq, message.from, from);
        return;
      case 'nack':
        this.probes.onNack(message.seq);
        return;
      case 'indirect-ping':
        this.probes.helpProbe(message, from);
        this.antiEntropy.introduceIfUnknown(message.from, from);
        return;
      case 'alive':
        this.handleAlive(message, true, message);
        return;
      case 'suspect':
        this.handleSuspect(message);
        return;
      case 'dead':
        this.handleDead(message);
        return;
      case 'left':
        this.handleLeft(message);
        return;
      case 'push-pull':
        this.antiEntropy.handle(message, from);
        return;
      case 'digest':
        this.antiEntropy.handleDigest(message, from);
        return;
    }
  }

  // ---- state updates ---------------------------------------------------------------------------

  /**
   * `rebroadcast` false applies the update without gossiping it on (see `AntiEntropy`); `message`,
   * the one to gossip on when it came as one (a merged record's is built only if gossiped).
   */
  private handleAlive(update: AliveUpdate, rebroadcast: boolean, message?: AliveMessage): void {
    if (update.id === this.localId) {
      const self = this.memberTable.local();
      // A record of us we did not send: newer (we restarted and forgot it), or at our incarnation
      // with other addresses or tags (we restarted before anyone noticed the old process go).
      const foreign =
        update.incarnation > self.incarnation ||
        (update.incarnation === self.incarnation && !sameMetadata(update, self));
      if (this.lifecycle === 'running' && foreign) this.refute(update.incarnation);
      return;
    }
    // Another node's record at our own address is a process that is gone: we hold that socket.
    if (update.gossipAddress === this.memberTable.local().gossipAddress) return;
    const change = this.memberTable.applyAlive(update, this.clock.now());
    if (!change.changed) return;
    const previous = change.previous;
    const suspicion = this.suspicions.get(update.id);
    if (suspicion !== undefined) {
      if (!this.pauseGuard.stalledSince(suspicion.started)) {
        this.suspicionRule.recordRefutation(this.clock.now() - suspicion.started);
      }
      suspicion.cancel();
      this.suspicions.delete(update.id);
    }
    this.probes.resetForgiveness(update.id);
    if (previous?.state === NodeState.Suspect) this.counters.suspicionsRefuted++;
    if (previous === undefined || !isLive(previous.state)) {
      this.membersLearned++;
      this.probes.addToProbeOrder(change.current!.id);
    }
    this.partition.recordRecovery(update.id);
    if (rebroadcast) this.broadcast(update.id, message ?? aliveMessageOf(update));
    this.emitChange(change);
    this.retireReplaced(change.current!);
  }

  /**
   * `owner` is alive at its gossip address, so any other live record there is a process that is
   * gone (a restarted container, a pod IP reused): a suspect one is declared dead at once (and
   * gossiped so), an alive one is suspected (it may refute from a new address). Not counted as a
   * failure by the partition rule: a rolling restart is not a partition.
   */
  private retireReplaced(owner: ClusterNode): void {
    const others = this.memberTable.othersAt(owner.gossipAddress, owner.id);
    // Indexed, not for-of: asked for every alive record stored, and nearly always empty.
    for (let i = 0; i < others.length; i++) {
      const old = others[i]!;
      if (!isLive(old.state)) continue;
      this.counters.addressTakeovers++;
      this.logger.info('gossip address taken over by a new member; retiring the old one', {
        address: owner.gossipAddress,
        old: old.id,
        new: owner.id,
      });
      if (old.state === NodeState.Alive) {
        this.handleSuspect({
          kind: 'suspect',
          id: old.id,
          incarnation: old.incarnation,
          from: this.localId,
        });
        continue;
      }
      const change = this.memberTable.applyDead(old.id, old.incarnation, this.clock.now());
      this.cancelSuspicion(old.id);
      this.probes.forgetAcks(old.id);
      this.partition.forget(old.id);
      this.broadcast(old.id, {
        kind: 'dead',
        id: old.id,
        incarnation: old.incarnation,
        from: this.localId,
      });
      this.emitChange(change);
    }
  }

  private handleSuspect(message: SuspectMessage): void {
    if (message.id === this.localId) {
      this.refuteIfRunning(message.incarnation);
      return;
    }
    const node = this.memberTable.get(message.id);
    if (node === undefined || !isLive(node.state)) return;
    if (node.state === NodeState.Suspect && message.incarnation === node.incarnation) {
      if (this.suspicions.get(message.id)?.confirm(message.from)) {
        this.broadcast(message.id, message);
      }
      return;
    }
    const change = this.memberTable.applySuspect(message.id, message.incarnation, this.clock.now());
    if (!change.changed) return;
    this.startSuspicion(message.id, message.incarnation, message.from);
    this.probes.seekConfirmation(message.id, message.from);
    this.broadcast(message.id, message);
    this.emitChange(change);
  }

  private handleDead(message: DeadMessage): void {
    if (message.id === this.localId) {
      this.refuteIfRunning(message.incarnation);
      return;
    }
    const change = this.memberTable.applyDead(message.id, message.incarnation, this.clock.now());
    if (!change.changed) return;
    this.cancelSuspicion(message.id);
    this.probes.resetForgiveness(message.id);
    this.partition.recordFailure(message.id, this.clock.now());
    this.broadcast(message.id, message);
    this.emitChange(change);
  }

  private handleLeft(message: LeftMessage): void {
    if (message.id === this.localId) {
      this.refuteIfRunning(message.incarnation);
      return;
    }
    const change = this.memberTable.applyLeft(message.id, message.incarnation, this.clock.now());
    if (!change.changed) return;
    this.cancelSuspicion(message.id);
    this.probes.forget(message.id);
    this.partition.forget(message.id);
    this.broadcast(message.id, message);
    this.emitChange(change);
  }

  private refuteIfRunning(incarnation: number): void {
    if (this.lifecycle !== 'running') return;
    if (incarnation < this.memberTable.local().incarnation) {
      // A stale accusation: someone missed our refutation. Re-announce (same incarnation) so the
      // next datagram to them, e.g. the ack to their probe, carries it.
      if (!this.broadcasts.has(this.localId)) this.broadcastLocalAlive();
      return;
    }
    this.refute(incarnation);
  }

  /**
   * This process was not scheduled for `stalledMs`: others may suspect or have failed it. Refute
   * at once with a higher incarnation and push it out now instead of at the next gossip round.
   */
  private onWake(stalledMs: number): void {
    if (this.lifecycle !== 'running') return;
    // A prober waits a whole period for an ack (indirect ones included): a stall shorter than half
    // of one cannot have made anyone suspect us, and refuting it would only raise our local-health
    // score on every hiccup of a starved process until it stops judging anyone.
    if (stalledMs < this.config.probeIntervalMs / 2) {
      this.logger.debug('gossip node was not scheduled for a moment', { stalledMs });
      return;
    }
    this.logger.warn('gossip node was not scheduled; refuting at once', { stalledMs });
    this.refute(this.memberTable.local().incarnation);
    this.gossipTick();
    const [target] = this.sample(1, (node) => isLive(node.state));
    if (target !== undefined) this.antiEntropy.sendFullState(target.gossipAddress, false, false);
  }

  private refute(incarnation: number): void {
    const self = this.memberTable.local();
    const next = Math.max(self.incarnation, incarnation) + 1;
    this.memberTable.setLocal(
      { ...self, state: NodeState.Alive, incarnation: next },
      this.clock.now(),
    );
    this.counters.selfRefutations++;
    this.awareness.apply(1);
    this.broadcastLocalAlive();
  }

  private startSuspicion(id: NodeId, incarnation: number, from: NodeId): void {
    this.cancelSuspicion(id);
    const live = this.memberTable.liveCount();
    let expected = this.config.suspicionMultiplier - 2;
    if (live - 2 < expected) expected = 0;
    const health = this.config.suspicionRule === 'adaptive' ? this.awareness.scale(1) : 1;
    const { minMs, maxMs } = this.suspicionRule.bounds(live, health);
    const suspicion = new Suspicion({
      clock: this.clock,
      from,
      expectedConfirmations: expected,
      minMs,
      maxMs,
      // The last probe of the suspect takes one protocol period: start it that much early so a
      // member that stays silent is declared dead at the deadline, not one period after it.
      leadMs: this.config.probeIntervalMs,
      onTimeout: () => {
        if (this.suspicions.get(id) !== suspicion) return;
        this.suspicions.delete(id);
        if (this.lifecycle === 'stopped') return;
        this.verifyBeforeDeath(id, incarnation);
      },
    });
    this.suspicions.set(id, suspicion);
  }

  /**
   * The suspicion is about to time out: one last full probe (carrying the suspicion), ending at the
   * deadline, before declaring death. A suspect that answers gets a fresh suspicion period to
   * refute; one that does not is dead. This catches the rare member whose refutation never reached
   * us; a refutation arriving while the probe runs still cancels the death.
   */
  private verifyBeforeDeath(id: NodeId, incarnation: number): void {
    const stillSuspect = (): ClusterNode | undefined => {
      const node = this.memberTable.get(id);
      return node?.state === NodeState.Suspect && node.incarnation === incarnation
        ? node
        : undefined;
    };
    const node = stillSuspect();
    if (node === undefined || this.lifecycle !== 'running') return;
    this.probes.probe(node, (verdict) => {
      if (stillSuspect() === undefined || this.suspicions.has(id)) return;
      if (verdict === 'stalled') this.verifyBeforeDeath(id, incarnation);
      else if (verdict) this.startSuspicion(id, incarnation, this.localId);
      else this.handleDead({ kind: 'dead', id, incarnation, from: this.localId });
    });
  }

  private cancelSuspicion(id: NodeId): void {
    const suspicion = this.suspicions.get(id);
    if (suspicion === undefined) return;
    suspicion.cancel();
    this.suspicions.delete(id);
  }

  // ---- dissemination -------------------------------------------------------------------------

  private gossipTick(): void {
    this.antiEntropy.catchUp();
    if (this.lifecycle === 'stopped' || this.broadcasts.size === 0) return;
    const now = this.clock.now();
    const targets = this.sample(this.config.gossipFanout, (node) => {
      if (isLive(node.state)) return true;
      const changedAt = this.memberTable.stateChangedAt(node.id) ?? 0;
      return node.state === NodeState.Dead && now - changedAt < this.config.gossipToTheDeadMs;
    });
    for (const target of targets) {
      const updates = this.takeBroadcasts(this.config.maxDatagramBytes - DATAGRAM_HEADER_BYTES);
      if (updates.length === 0) return;
      this.transmit(target.gossipAddress, updates);
    }
  }

  /** Reclaims old dead records, then offers our state to one dead member and one absent seed. */
  private reconnectTick(): void {
    if (this.lifecycle !== 'running') return;
    const now = this.clock.now();
    const dead: ClusterNode[] = [];
    // Only dead and left records are visited: a tick costs nothing per live member.
    for (const id of [...this.memberTable.nonLiveIds()]) {
      const node = this.memberTable.get(id)!;
      const changedAt = this.memberTable.stateChangedAt(id) ?? now;
      if (now - changedAt >= this.config.deadNodeRetentionMs) {
        this.forget(id);
      } else if (node.state === NodeState.Dead) {
        dead.push(node);
      }
    }
    const deadTarget = dead[Math.floor(this.random() * dead.length)];
    if (deadTarget !== undefined) this.antiEntropy.offerToDead(deadTarget.gossipAddress);
    const seed = this.seedJoin.absentSeed();
    if (seed !== undefined && seed !== deadTarget?.gossipAddress)
      this.antiEntropy.sendFullState(seed, false, false);
  }

  private forget(id: NodeId): void {
    this.memberTable.remove(id);
    this.probes.forget(id);
    this.broadcasts.remove(id);
    this.partition.forget(id);
    this.evaluatePartition();
  }

  private broadcastLocalAlive(): void {
    const self = this.memberTable.local();
    this.broadcast(self.id, aliveMessageOf(self));
  }

  private broadcast(
    id: NodeId,
    message: StateUpdateMessage,
    onTransmit?: (transmits: number) => void,
  ): void {
    const encoded = this.codec.encodeMessage(message);
    this.broadcasts.enqueue(id, encoded, framedSize(encoded), onTransmit);
  }

  private takeBroadcasts(budgetBytes: number): Uint8Array[] {
    const limit = retransmitLimit(this.config.retransmitMultiplier, this.memberTable.liveCount());
    return this.broadcasts.take(budgetBytes, limit);
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Sends `messages`, filling the rest of the datagram with pending updates when `piggyback`. */
  private send(address: string, messages: GossipMessage[], piggyback: boolean): void {
    if (this.lifecycle === 'stopped') return;
    const encoded = messages.map((message) => this.codec.encodeMessage(message));
    if (piggyback) {
      let size = DATAGRAM_HEADER_BYTES;
      for (const part of encoded) size += framedSize(part);
      encoded.push(...this.takeBroadcasts(this.config.maxDatagramBytes - size));
    }
    this.transmit(address, encoded);
  }

  /** Sends one datagram made of already encoded messages. */
  private transmit(address: string, messages: readonly Uint8Array[]): void {
    if (this.lifecycle === 'stopped' || address === this.transport.localAddress) return;
    const bytes = this.codec.assembleDatagram(messages);
    this.counters.datagramsOut++;
    this.counters.messagesOut += messages.length;
    this.counters.bytesOut += bytes.length;
    try {
      this.transport.send(address, bytes);
    } catch (error) {
      this.counters.recordDrop('send-error');
      this.logger.warn('gossip send failed', { to: address, error: String(error) });
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Up to `count` distinct random remote nodes accepted by `accept`. */
  private sample(count: number, accept: (node: ClusterNode) => boolean): ClusterNode[] {
    if (count <= 0) return [];
    const chosen = new Map<NodeId, ClusterNode>();
    const eligible = (node: ClusterNode | undefined): node is ClusterNode =>
      node !== undefined && node.id !== this.localId && !chosen.has(node.id) && accept(node);
    // Random draws are cheap on big tables; a scan keeps small or sparse tables exact.
    for (let tries = count * 4; tries > 0 && chosen.size < count; tries--) {
      const node = this.memberTable.randomNode(this.random);
      if (eligible(node)) chosen.set(node.id, node);
    }
    if (chosen.size < count && this.memberTable.size <= 256) {
      const rest = shuffleInPlace([...this.memberTable.all()].filter(eligible), this.random);
      for (const node of rest.slice(0, count - chosen.size)) chosen.set(node.id, node);
    }
    return [...chosen.values()];
  }

  private otherLiveCount(): number {
    const self = this.memberTable.local();
    return this.memberTable.liveCount() - (isLive(self.state) ? 1 : 0);
  }

  private remoteIdsIn(state: NodeState): NodeId[] {
    const ids: NodeId[] = [];
    for (const node of this.memberTable.all()) {
      if (node.id !== this.localId && node.state === state) ids.push(node.id);
    }
    return ids;
  }

  private emitChange(change: MemberTableChange): void {
    let membershipChanged = false;
    for (const event of change.events) {
      this.emit(event);
      if (
        event.type === 'NodeFailed' ||
        event.type === 'NodeJoined' ||
        event.type === 'NodeRecovered' ||
        event.type === 'NodeLeft'
      ) {
        membershipChanged = true;
      }
    }
    if (membershipChanged) this.evaluatePartition();
  }

  private evaluatePartition(): void {
    const event = this.partition.evaluate(this.clock.now(), this.partitionView);
    if (event !== undefined) this.emit(event);
  }

  private emit(event: ClusterEvent): void {
    this.listeners.emit(event);
  }

  /** A one-shot timer that `stop()` cancels. */
  private after(delayMs: number, callback: () => void): CancelTimer {
    const dueAt = this.clock.now() + Math.max(0, delayMs);
    const cancel = this.clock.setTimer(delayMs, () => {
      this.timers.delete(cancel);
      const stalledMs = this.pauseGuard.observe(dueAt, this.clock.now());
      if (stalledMs > 0) this.onWake(stalledMs);
      callback();
    });
    this.timers.add(cancel);
    return () => {
      cancel();
      this.timers.delete(cancel);
    };
  }

  /** Runs `tick` after `firstDelayMs`, then again after each `nextDelayMs()`, until stopped. */
  private loop(firstDelayMs: number, nextDelayMs: () => number, tick: () => void): void {
    const run = (): void => {
      if (this.lifecycle === 'stopped') return;
      try {
        tick();
      } catch (error) {
        this.logger.error('gossip timer failed', { error: String(error) });
      }
      this.after(nextDelayMs(), run);
    };
    this.after(firstDelayMs, run);
  }
}

/** Records sent in a digest exchange (not a join's or a fallback's full table). */
function isDigestAnswer(message: PushPullMessage): boolean {
  return message.reply && (message.bucketCount ?? 0) > 0;
}

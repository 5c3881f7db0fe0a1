import { PhiDetectorSet } from '@rpcnet/phi';
import { isLive } from './member-table.js';
import type { GossipMessage, IndirectPingMessage, SuspectMessage } from './messages.js';
import { type ClusterNode, type NodeId, NodeState } from './node.js';
import { type IdNumbering, ProbeRound } from './probe-round.js';
import { shuffleInPlace } from './random.js';
import type { SwimContext } from './swim-context.js';

/** A probe's outcome: acked or not, or `'stalled'` when our own stall voided the verdict. */
export type ProbeVerdict = boolean | 'stalled';

interface PendingAck {
  onAck(from: NodeId, viaAddress: string): void;
  onNack(): void;
}

/**
 * SWIM's failure detector: one probe per protocol period, round-robin over a shuffled member list
 * (direct ping, then indirect pings through helpers), the indirect probes it runs for others, and
 * the phi of each member's acks. A failed probe is handed to `suspect`.
 */
export class ProbeScheduler {
  private readonly detectors: PhiDetectorSet<NodeId>;
  private readonly pending = new Map<number, PendingAck>();
  /** Members whose last failed probe was forgiven because their phi was still low. */
  private readonly forgiven = new Set<NodeId>();
  /** The last direct-probe round trip to each member, in ms (for operators). */
  private readonly lastRtt = new Map<NodeId, number>();
  /** Members whose last failed probe spanned our own stall and was given no verdict. */
  private readonly voided = new Set<NodeId>();
  private readonly probeRound: ProbeRound;
  private reprobe: NodeId | undefined;
  private seq = 0;

  constructor(
    private readonly ctx: SwimContext,
    private readonly suspect: (message: SuspectMessage) => void,
    probeIds?: IdNumbering,
  ) {
    this.probeRound = new ProbeRound(probeIds);
    const { config } = ctx;
    // Acks from one member arrive about once per round-robin cycle; the window learns that rhythm.
    this.detectors = new PhiDetectorSet<NodeId>({
      threshold: config.phiThreshold,
      maxSampleSize: 200,
      minStdDeviationMs: config.probeIntervalMs / 2,
      acceptableHeartbeatPauseMs: config.probeIntervalMs,
      firstHeartbeatEstimateMs: config.probeIntervalMs,
      clock: ctx.clock,
    });
  }

  /** The protocol period's tick: probes the next member of the round. */
  tick(): void {
    if (this.ctx.lifecycle() !== 'running') return;
    const target = this.nextProbeTarget();
    if (target !== undefined) this.probe(target);
  }

  /** An ack for probe `seq` (ours or one we relay) arrived from `from` via `viaAddress`. */
  onAck(seq: number, from: NodeId, viaAddress: string): void {
    this.pending.get(seq)?.onAck(from, viaAddress);
  }

  /** A helper could not reach the target of our probe `seq`. */
  onNack(seq: number): void {
    this.pending.get(seq)?.onNack();
  }

  /** Drops every pending probe (the node stopped). */
  clear(): void {
    this.pending.clear();
  }

  /** Phi of `id` from the acks it sent us, or undefined if it never acked a probe. */
  phi(id: NodeId): number | undefined {
    return this.detectors.has(id) ? this.detectors.phi(id, this.ctx.clock.now()) : undefined;
  }

  /** The last direct-probe round trip to `id` in ms, or undefined if none was measured. */
  rtt(id: NodeId): number | undefined {
    return this.lastRtt.get(id);
  }

  /** `id` is no longer suspect or changed its record: a later failed probe is judged afresh. */
  resetForgiveness(id: NodeId): void {
    this.forgiven.delete(id);
  }

  /** `id`'s process is gone (replaced at its address): its ack history means nothing now. */
  forgetAcks(id: NodeId): void {
    this.forgiven.delete(id);
    this.detectors.remove(id);
  }

  /** Everything known about `id`'s probes (it left, or its record was reclaimed). */
  forget(id: NodeId): void {
    this.forgetAcks(id);
    this.lastRtt.delete(id);
    this.voided.delete(id);
  }

  /** A newcomer goes to a random not-yet-probed position so it is probed within one cycle. */
  addToProbeOrder(id: NodeId): void {
    const { remaining } = this.probeRound;
    this.probeRound.insert(Math.floor(this.ctx.random() * (remaining + 1)), id);
  }

  /**
   * Adaptive rule: a suspicion raised elsewhere is checked here soon (next probe) by about
   * four times the expected confirmations' worth of members, so Lifeguard's independent confirmations
   * arrive within a period or two instead of whenever round-robin reaches the suspect.
   */
  seekConfirmation(id: NodeId, from: NodeId): void {
    const { config, memberTable } = this.ctx;
    if (config.suspicionRule !== 'adaptive' || from === this.ctx.localId) return;
    if (this.reprobe !== undefined) return;
    const others = memberTable.liveCount() - 2;
    const wanted = 4 * Math.max(1, config.suspicionMultiplier - 2);
    if (others > 0 && this.ctx.random() < wanted / others) this.reprobe = id;
  }

  private nextProbeTarget(): ClusterNode | undefined {
    const { memberTable, localId } = this.ctx;
    const again = this.reprobe;
    this.reprobe = undefined;
    if (again !== undefined) {
      const node = memberTable.get(again);
      if (node !== undefined && isLive(node.state)) return node;
    }
    for (let tries = 0; tries <= this.probeRound.length; tries++) {
      if (this.probeRound.remaining === 0) {
        this.probeRound.start(
          shuffleInPlace(
            memberTable
              .members()
              .filter((node) => node.id !== localId)
              .map((node) => node.id),
            this.ctx.random,
          ),
        );
        if (this.probeRound.length === 0) return undefined;
      }
      const node = memberTable.get(this.probeRound.next()!);
      if (node !== undefined && node.id !== localId && isLive(node.state)) return node;
    }
    return undefined;
  }

  /**
   * One SWIM probe: ping, then indirect pings after the probe timeout, verdict at the end of the
   * period. Without `onDone` a failure leads to {@link onProbeFailed}; `onDone` gets `'stalled'`
   * when our own stall voided the verdict.
   */
  probe(target: ClusterNode, onDone?: (verdict: ProbeVerdict) => void): void {
    const { ctx } = this;
    const { config, clock, counters, awareness } = ctx;
    const seq = this.nextSeq();
    const startedAt = clock.now();
    const probeTimeout = awareness.scale(config.probeTimeoutMs);
    const period = awareness.scale(config.probeIntervalMs);
    let acked = false;
    let nacks = 0;
    let expectedNacks = 0;
    this.pending.set(seq, {
      onAck: (from, viaAddress) => {
        if (acked || from !== target.id) return;
        acked = true;
        const now = clock.now();
        if (viaAddress === target.gossipAddress) {
          counters.recordRtt(now - startedAt);
          this.lastRtt.set(target.id, now - startedAt);
        }
        counters.probesAcked++;
        this.detectors.heartbeat(target.id, now);
        this.forgiven.delete(target.id);
        this.voided.delete(target.id);
        awareness.apply(-1);
      },
      onNack: () => {
        nacks++;
      },
    });
    counters.probesSent++;
    const ping: GossipMessage = { kind: 'ping', seq, from: ctx.localId, target: target.id };
    // Lifeguard's buddy system: tell a suspect it is suspected, ahead of the ping, so the ack it
    // sends back can already carry its refutation.
    const current = ctx.memberTable.get(target.id);
    const messages: GossipMessage[] =
      current?.state === NodeState.Suspect
        ? [
            {
              kind: 'suspect',
              id: target.id,
              incarnation: current.incarnation,
              from: ctx.localId,
            },
            ping,
          ]
        : [ping];
    ctx.send(target.gossipAddress, messages, true);
    ctx.after(probeTimeout, () => {
      if (acked || ctx.lifecycle() !== 'running') return;
      // The last probe before a death (adaptive rule) asks twice the helpers: with a short
      // suspicion window this probe is what stands between a lossy path and a false failure.
      const final = onDone !== undefined && config.suspicionRule === 'adaptive';
      const helpers = ctx.sample(
        config.indirectProbeCount * (final ? 2 : 1),
        (node) => node.id !== target.id && node.state === NodeState.Alive,
      );
      expectedNacks = helpers.length;
      const request: IndirectPingMessage = {
        kind: 'indirect-ping',
        seq,
        from: ctx.localId,
        target: target.id,
        targetAddress: target.gossipAddress,
      };
      for (const helper of helpers) ctx.send(helper.gossipAddress, [request], true);
    });
    ctx.after(period, () => {
      this.pending.delete(seq);
      if (ctx.lifecycle() !== 'running') return;
      if (!acked && ctx.pauseGuard.stalledSince(startedAt) && !this.voided.has(target.id)) {
        // Our own stall, not the target's silence: no verdict, and the target is probed again at
        // the next tick. Only once in a row: a process starved for good must still judge.
        this.voided.add(target.id);
        if (onDone === undefined) this.reprobe ??= target.id;
        else onDone('stalled');
        return;
      }
      this.voided.delete(target.id);
      if (!acked) {
        counters.probesFailed++;
        // Lifeguard: missing nacks mean our own links may be the problem; with no helpers, we cannot tell.
        awareness.apply(expectedNacks > 0 ? expectedNacks - nacks : 1);
      }
      if (onDone !== undefined) onDone(acked);
      else if (!acked) this.onProbeFailed(target.id);
    });
  }

  /** Probes `request.target` for the member at `requester` and relays the ack, or a nack. */
  helpProbe(request: IndirectPingMessage, requester: string): void {
    const { ctx } = this;
    if (request.target === ctx.localId) {
      ctx.send(requester, [{ kind: 'ack', seq: request.seq, from: ctx.localId }], true);
      return;
    }
    const seq = this.nextSeq();
    let answered = false;
    this.pending.set(seq, {
      onAck: (from) => {
        if (answered || from !== request.target) return;
        answered = true;
        ctx.send(requester, [{ kind: 'ack', seq: request.seq, from: request.target }], true);
      },
      onNack: () => {},
    });
    ctx.send(
      request.targetAddress,
      [{ kind: 'ping', seq, from: ctx.localId, target: request.target }],
      true,
    );
    // The requester asked after its probe timeout and judges at the end of its period: the nack
    // must arrive before that, or a healthy requester counts its own links as bad (Lifeguard).
    const nackAfterMs = Math.max(
      1,
      Math.floor(0.8 * (ctx.config.probeIntervalMs - ctx.config.probeTimeoutMs)),
    );
    ctx.after(nackAfterMs, () => {
      this.pending.delete(seq);
      if (!answered)
        ctx.send(requester, [{ kind: 'nack', seq: request.seq, from: ctx.localId }], true);
    });
  }

  /** A probe got no ack, direct or indirect: suspect the target, unless phi still vouches for it once. */
  private onProbeFailed(id: NodeId): void {
    const node = this.ctx.memberTable.get(id);
    if (node === undefined || !isLive(node.state)) return;
    if (node.state === NodeState.Alive) {
      const phi = this.phiWithRhythm(id);
      if (phi !== undefined && phi < this.ctx.config.phiThreshold && !this.forgiven.has(id)) {
        this.forgiven.add(id);
        this.reprobe = id;
        return;
      }
      this.ctx.counters.suspicionsRaised++;
    }
    this.forgiven.delete(id);
    this.suspect({ kind: 'suspect', id, incarnation: node.incarnation, from: this.ctx.localId });
  }

  /** Phi of `id`, only where its acks have a rhythm a probe period can judge (small clusters). */
  private phiWithRhythm(id: NodeId): number | undefined {
    if (this.ctx.config.suspicionRule === 'memberlist') return this.phi(id);
    const detector = this.detectors.get(id);
    if (detector === undefined || detector.mean > 2 * this.ctx.config.probeIntervalMs)
      return undefined;
    return detector.phi(this.ctx.clock.now());
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }
}

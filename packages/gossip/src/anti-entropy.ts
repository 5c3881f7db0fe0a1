import {
  DATAGRAM_HEADER_BYTES,
  encodedMemberSize,
  encodedMessageSize,
  encodeMessage,
} from './codec.js';
import type {
  AliveMessage,
  LeftMessage,
  MemberRecord,
  PushPullMessage,
  SuspectMessage,
} from './messages.js';
import { type NodeId, NodeState } from './node.js';
import { isLive } from './registry.js';
import type { SwimContext } from './swim-context.js';

/** Push-pull chunks above this many live nodes are sent less often (memberlist's scaling). */
const PUSH_PULL_SCALE_THRESHOLD = 32;
/** Slack for length prefixes that grow while a push-pull chunk fills. */
const PUSH_PULL_SLACK_BYTES = 8;

/** How a received member table is merged: as the updates its records stand for. */
export interface AntiEntropyHandlers {
  alive(message: AliveMessage): void;
  suspect(message: SuspectMessage): void;
  left(message: LeftMessage): void;
  /** A reply to one of our join requests arrived; `last` marks its final datagram. */
  joinReply(last: boolean): void;
}

/**
 * Push-pull anti-entropy: every so often (less often as the cluster grows) a node exchanges its
 * whole member table with one random member, which repairs whatever dissemination missed. Also
 * the join exchange, and the introduction of a member that talks to us before we heard of it.
 */
export class AntiEntropy {
  /** When we last answered an unknown sender with a push-pull. */
  private lastIntroductionAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ctx: SwimContext,
    private readonly handlers: AntiEntropyHandlers,
  ) {}

  /** The periodic exchange with one random alive member. */
  tick(): void {
    if (this.ctx.lifecycle() !== 'running') return;
    const [target] = this.ctx.sample(1, (node) => node.state === NodeState.Alive);
    if (target !== undefined) this.sendFullState(target.gossipAddress, false, false);
  }

  /** The time to the next periodic exchange. */
  interval(): number {
    const live = this.ctx.registry.liveCount();
    const { pushPullIntervalMs } = this.ctx.config;
    if (live <= PUSH_PULL_SCALE_THRESHOLD) return pushPullIntervalMs;
    const factor = Math.ceil(Math.log2(live) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
    return pushPullIntervalMs * factor;
  }

  /**
   * A member we do not know talks to us (it joined through someone else): exchange full state with
   * it now instead of waiting for anti-entropy. At most once per probe period, so a burst of
   * joins costs one exchange per period, not one per newcomer.
   */
  introduceIfUnknown(id: NodeId, address: string): void {
    const { ctx } = this;
    if (ctx.lifecycle() !== 'running' || id === ctx.localId) return;
    const known = ctx.registry.get(id);
    if (known !== undefined && isLive(known.state)) return;
    const now = ctx.clock.now();
    if (now - this.lastIntroductionAt < ctx.config.probeIntervalMs) return;
    this.lastIntroductionAt = now;
    this.sendFullState(address, false, false);
  }

  /** Merges a received member table; answers a request (not a reply) with our own table. */
  handle(message: PushPullMessage, from: string): void {
    const { ctx } = this;
    if (message.from === ctx.localId) return;
    for (const member of message.members) this.mergeRemote(member, message.from);
    if (message.reply) {
      this.handlers.joinReply(message.last);
      return;
    }
    const lifecycle = ctx.lifecycle();
    if (message.first && (lifecycle === 'running' || lifecycle === 'leaving')) {
      this.sendFullState(from, false, true);
    }
  }

  /** Sends every record we hold to `address`, in as many datagrams as the size limit needs. */
  sendFullState(address: string, join: boolean, reply: boolean): void {
    const { ctx } = this;
    const records: MemberRecord[] = [...ctx.registry.all()].map((node) => ({
      id: node.id,
      incarnation: node.incarnation,
      state: node.state,
      gossipAddress: node.gossipAddress,
      rpcAddress: node.rpcAddress,
      tags: node.tags,
    }));
    const empty: PushPullMessage = {
      kind: 'push-pull',
      from: ctx.localId,
      join,
      reply,
      first: true,
      last: true,
      members: [],
    };
    const budget =
      ctx.config.maxDatagramBytes -
      DATAGRAM_HEADER_BYTES -
      encodedMessageSize(empty) -
      PUSH_PULL_SLACK_BYTES;
    const chunks: MemberRecord[][] = [];
    let chunk: MemberRecord[] = [];
    let used = 0;
    for (const record of records) {
      const size = encodedMemberSize(record);
      if (chunk.length > 0 && used + size > budget) {
        chunks.push(chunk);
        chunk = [];
        used = 0;
      }
      chunk.push(record);
      used += size;
    }
    chunks.push(chunk);
    chunks.forEach((members, index) => {
      ctx.transmit(address, [
        encodeMessage({ ...empty, first: index === 0, last: index === chunks.length - 1, members }),
      ]);
    });
  }

  /**
   * Merges one record of a remote's full state. Changes are re-gossiped like any other news: nodes
   * that learned a member silently would otherwise stop its epidemic. A remote's "dead" only makes
   * us suspect, so we verify ourselves.
   */
  private mergeRemote(member: MemberRecord, from: NodeId): void {
    const { id, incarnation } = member;
    switch (member.state) {
      case NodeState.Alive:
        this.handlers.alive({ kind: 'alive', ...member });
        return;
      case NodeState.Suspect:
      case NodeState.Dead:
        if (id !== this.ctx.localId && this.ctx.registry.get(id) === undefined) {
          if (member.state === NodeState.Suspect) this.handlers.alive({ kind: 'alive', ...member });
          return;
        }
        this.handlers.suspect({ kind: 'suspect', id, incarnation, from });
        return;
      case NodeState.Left:
        this.handlers.left({ kind: 'left', id, incarnation });
        return;
    }
  }
}

import type { CancelTimer } from '@rpcnet/base';
import { DATAGRAM_HEADER_BYTES, DECODE_LIMITS, encodedMessageSize } from './codec.js';
import { FingerprintSet } from './fingerprint-set.js';
import { differingBuckets, digestBucketCount } from './member-digest.js';
import { isLive } from './member-table.js';
import type {
  DigestMessage,
  LeftMessage,
  MemberRecord,
  PushPullMessage,
  SuspectMessage,
} from './messages.js';
import { type ClusterNode, type NodeId, NodeState } from './node.js';
import type { RecordList } from './record-column.js';
import type { SwimContext } from './swim-context.js';

const EMPTY_FINGERPRINTS = new Uint32Array(0);

/** Push-pull chunks above this many live nodes are sent less often (memberlist's scaling). */
const PUSH_PULL_SCALE_THRESHOLD = 32;
/** Slack for length prefixes that grow while a push-pull chunk fills. */
const PUSH_PULL_SLACK_BYTES = 8;
/** Bytes of one checksum in a digest, or of one fingerprint in a push-pull. */
const CHECKSUM_BYTES = 4;
/** Most bytes of one bucket's index in `wantBuckets` (a varint below 2^14). */
const BUCKET_INDEX_BYTES = 2;
/**
 * Members first heard of since the last catch-up that make a node pull: one newcomer is what
 * gossip carries anyway; several at once mean the sender's table holds more that we lack.
 */
const CATCH_UP_MIN_NEWS = 2;

/** The fields of a push-pull besides its members and chunk flags. */
type PushPullFields = Pick<PushPullMessage, 'join' | 'reply' | 'bucketCount' | 'wantBuckets'>;

/** How a received member table is merged: as the updates its records stand for. */
export interface AntiEntropyHandlers {
  /**
   * An `alive` record (its state is alive, or suspect for a member we did not know). `rebroadcast`
   * false: the record is of a member we did not know and not of the sender itself; it is applied
   * without being gossiped again (see {@link AntiEntropy.mergeRemote}).
   */
  alive(record: MemberRecord, rebroadcast: boolean): void;
  suspect(message: SuspectMessage): void;
  left(message: LeftMessage): void;
  /** A reply to one of our join requests arrived; `last` marks its final datagram. */
  joinReply(last: boolean): void;
}

/**
 * Push-pull anti-entropy: every so often (less often as the cluster grows) a node compares its
 * member table with one random member's and repairs whatever dissemination missed. The periodic
 * exchange opens with a digest (bucket checksums, one datagram), so only the records of differing
 * buckets travel: its cost does not grow with the cluster. Joins, introductions of a member that
 * talks to us before we heard of it, reconnects, and a peer that does not answer a digest (an
 * older node) get the whole table.
 */
export class AntiEntropy {
  /** When we last answered an unknown sender with a digest. */
  private lastIntroductionAt = Number.NEGATIVE_INFINITY;
  /** Members first heard of within a probe period of each other, and when the latest came. */
  private burst = 0;
  private lastNewsAt = Number.NEGATIVE_INFINITY;
  /** Members first heard of since the last catch-up pull, and who told us of the latest. */
  private newsSincePull = 0;
  private newsFrom: string | undefined;
  /** Pulling until a pull brings nothing new; pulls made since it started. */
  private catchingUp = false;
  private catchUpPulls = 0;
  /** Pulls in a row that brought nothing new. */
  private emptyPulls = 0;
  /** When and from whom we last pulled to catch up. */
  private lastPullAt = Number.NEGATIVE_INFINITY;
  private lastPullFrom: string | undefined;
  /** Digests sent and not answered yet, by address: the full-state fallback's timers. */
  private readonly awaiting = new Map<string, CancelTimer>();
  /** The most buckets a digest datagram has room for. */
  private readonly maxBuckets: number;

  constructor(
    private readonly ctx: SwimContext,
    private readonly handlers: AntiEntropyHandlers,
  ) {
    const overhead = encodedMessageSize({
      kind: 'digest',
      from: ctx.localId,
      bucketCount: DECODE_LIMITS.maxDigestBuckets,
      checksums: new Uint32Array(0),
      answerFingerprints: true,
    });
    // 3 bytes for the checksums' length prefix.
    const room = ctx.config.maxDatagramBytes - DATAGRAM_HEADER_BYTES - overhead - 3;
    this.maxBuckets = Math.max(
      1,
      Math.min(DECODE_LIMITS.maxDigestBuckets, Math.floor(room / CHECKSUM_BYTES)),
    );
  }

  /** The periodic exchange with one random alive member. */
  tick(): void {
    if (this.ctx.lifecycle() !== 'running') return;
    const [target] = this.ctx.sample(1, (node) => node.state === NodeState.Alive);
    if (target !== undefined) this.sendDigest(target.gossipAddress);
  }

  /** Cancels the fallback timers (the node stopped). */
  clear(): void {
    for (const cancel of this.awaiting.values()) cancel();
    this.awaiting.clear();
  }

  /** The time to the next periodic exchange. */
  interval(): number {
    const live = this.ctx.memberTable.liveCount();
    const { pushPullIntervalMs } = this.ctx.config;
    if (live <= PUSH_PULL_SCALE_THRESHOLD) return pushPullIntervalMs;
    const factor = Math.ceil(Math.log2(live) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
    return pushPullIntervalMs * factor;
  }

  /**
   * A member we do not know talks to us (it joined through someone else): exchange the differing
   * parts of our tables (a digest) now instead of waiting for anti-entropy. At most once per probe
   * period, so a burst of joins costs one exchange per period, not one per newcomer.
   */
  introduceIfUnknown(id: NodeId, address: string): void {
    const { ctx } = this;
    if (ctx.lifecycle() !== 'running' || id === ctx.localId) return;
    const known = ctx.memberTable.get(id);
    if (known !== undefined && isLive(known.state)) return;
    const now = ctx.clock.now();
    if (now - this.lastIntroductionAt < ctx.config.probeIntervalMs) return;
    this.lastIntroductionAt = now;
    this.sendDigest(address);
  }

  /**
   * A datagram from `from` told us of `count` members we did not know (gossiped `alive` updates,
   * or records answering one of our digests). News of several within a probe period (a cluster
   * forming, a burst of joins) starts a catch-up: dissemination alone needs many rounds to carry
   * hundreds of `alive` updates to every member, and misses a few members now and then.
   */
  learned(count: number, from: string): void {
    if (count <= 0) return;
    const now = this.ctx.clock.now();
    // Joins far apart are each carried by gossip: only news that keeps coming adds up.
    if (now - this.lastNewsAt > this.ctx.config.probeIntervalMs) this.burst = 0;
    this.lastNewsAt = now;
    this.burst += count;
    this.newsSincePull += count;
    this.newsFrom = from;
    if (!this.catchingUp && this.burst >= CATCH_UP_MIN_NEWS) {
      this.catchingUp = true;
      this.catchUpPulls = 0;
      this.emptyPulls = 0;
    }
    this.catchUp();
  }

  /**
   * While catching up, pulls by digest (at most one in flight, one per gossip interval) from
   * whoever told us of the latest news, or from a random member when that is who we pulled from
   * last (we hold its table already); stops after two pulls in a row brought nothing new. Called
   * on news and on every gossip round.
   */
  catchUp(): void {
    const { ctx } = this;
    if (!this.catchingUp || ctx.lifecycle() !== 'running') return;
    const now = ctx.clock.now();
    const empty = this.catchUpPulls > 0 && this.newsSincePull === 0;
    // After a pull that brought nothing, one more a probe period later, when the cluster has
    // settled further: the member we asked may have lacked the same few records we did.
    const waitMs = empty ? ctx.config.probeIntervalMs : ctx.config.gossipIntervalMs;
    if (this.awaiting.size > 0 || now - this.lastPullAt < waitMs) return;
    if (empty && this.emptyPulls >= 1) {
      this.catchingUp = false;
      this.burst = 0;
      return;
    }
    this.emptyPulls = empty ? this.emptyPulls + 1 : 0;
    let target = this.newsFrom;
    if (target === undefined || target === this.lastPullFrom) {
      target = ctx.sample(1, (node) => node.state === NodeState.Alive)[0]?.gossipAddress;
    }
    if (target === undefined) return;
    this.newsSincePull = 0;
    this.newsFrom = undefined;
    this.catchUpPulls++;
    this.lastPullAt = now;
    this.lastPullFrom = target;
    this.sendDigest(target);
  }

  /**
   * Merges a received member table (or part of one); answers a full-state request with our own
   * table, and a digest answer that wants buckets back with our records of those buckets.
   */
  handle(message: PushPullMessage, from: string): void {
    const { ctx } = this;
    if (message.from === ctx.localId) return;
    const bucketCount = message.bucketCount ?? 0;
    if (bucketCount > 0 && message.first) this.answered(from);
    for (const member of message.members) this.mergeRemote(member, message.from);
    const lifecycle = ctx.lifecycle();
    const active = lifecycle === 'running' || lifecycle === 'leaving';
    if (message.reply) {
      this.handlers.joinReply(message.last);
      if (bucketCount > 0 && active) this.completeDigestExchange(message, from, bucketCount);
      return;
    }
    if (message.first && active) this.sendFullState(from, false, true);
  }

  /**
   * A member's digest: answer with our records of the buckets whose checksums differ from ours,
   * asking for theirs of the same buckets (an answer with no records when all match); with the
   * records' fingerprints instead when the digest asks for them.
   */
  handleDigest(message: DigestMessage, from: string): void {
    const { ctx } = this;
    const lifecycle = ctx.lifecycle();
    if (message.from === ctx.localId || (lifecycle !== 'running' && lifecycle !== 'leaving'))
      return;
    const { bucketCount } = message;
    const differing = differingBuckets(ctx.memberTable.digest(bucketCount), message.checksums);
    if (message.answerFingerprints && this.sendFingerprints(from, differing, bucketCount)) return;
    this.sendRecords(from, this.recordsIn(differing, bucketCount), {
      join: false,
      reply: true,
      bucketCount,
      wantBuckets: differing,
    });
  }

  /** Sends every record we hold to `address`, in as many datagrams as the size limit needs. */
  sendFullState(address: string, join: boolean, reply: boolean): void {
    this.sendRecords(address, this.ctx.memberTable.records(), { join, reply });
  }

  /**
   * Offers our table to a member we hold dead, as a digest: a live one answers with the buckets
   * that differ and learns from ours that it was declared dead, so it refutes. No full-state
   * fallback: a dead member does not answer, and pushing it the whole table every reconnect
   * period cost more than all other gossip once a few members had crashed. (A revision-1 member
   * cut off by a partition still heals the other way: its own reconnects push full state.)
   */
  offerToDead(address: string): void {
    if (this.ctx.lifecycle() === 'running') this.transmitDigest(address);
  }

  private sendDigest(address: string): void {
    const { ctx } = this;
    this.transmitDigest(address);
    this.awaiting.get(address)?.();
    // No answer (lost, or a revision-1 node that drops digests): exchange full state instead.
    const cancel = ctx.after(2 * ctx.config.probeIntervalMs, () => {
      if (this.awaiting.get(address) !== cancel) return;
      this.awaiting.delete(address);
      if (ctx.lifecycle() === 'running') this.sendFullState(address, false, false);
    });
    this.awaiting.set(address, cancel);
  }

  private transmitDigest(address: string): void {
    const { ctx } = this;
    const bucketCount = digestBucketCount(ctx.memberTable.size, this.maxBuckets);
    const checksums = ctx.memberTable.digest(bucketCount);
    ctx.transmit(address, [
      ctx.codec.encodeMessage({
        kind: 'digest',
        from: ctx.localId,
        bucketCount,
        checksums,
        answerFingerprints: true,
      }),
    ]);
  }

  /**
   * Answers a digest with the fingerprints of our records in the `differing` buckets, in chunks
   * of whole buckets that each fit a datagram. False (nothing sent) when one bucket alone holds
   * more fingerprints than a datagram: the caller answers with records instead.
   */
  private sendFingerprints(address: string, differing: number[], bucketCount: number): boolean {
    const { ctx } = this;
    const byBucket = ctx.memberTable.fingerprintsByBucket(differing, bucketCount);
    const empty = this.emptyReply(bucketCount);
    // Two length-delimited fields (wanted buckets, fingerprints) with prefixes of up to 3 bytes.
    const room =
      ctx.config.maxDatagramBytes -
      DATAGRAM_HEADER_BYTES -
      PUSH_PULL_SLACK_BYTES -
      encodedMessageSize(empty) -
      2 * 4;
    const chunks: { buckets: number[]; fingerprints: number[] }[] = [];
    let chunk = { buckets: [] as number[], fingerprints: [] as number[] };
    let used = 0;
    for (const bucket of differing) {
      const fingerprints = byBucket.get(bucket)!;
      const cost = BUCKET_INDEX_BYTES + CHECKSUM_BYTES * fingerprints.length;
      if (cost > room) return false;
      if (chunk.buckets.length > 0 && used + cost > room) {
        chunks.push(chunk);
        chunk = { buckets: [], fingerprints: [] };
        used = 0;
      }
      chunk.buckets.push(bucket);
      for (const fingerprint of fingerprints) chunk.fingerprints.push(fingerprint);
      used += cost;
    }
    chunks.push(chunk);
    chunks.forEach(({ buckets, fingerprints }, index) => {
      const message: PushPullMessage = {
        ...empty,
        first: index === 0,
        last: index === chunks.length - 1,
        wantBuckets: buckets,
        fingerprints: Uint32Array.from(fingerprints),
      };
      ctx.transmit(address, [ctx.codec.encodeMessage(message)]);
    });
    return true;
  }

  /**
   * A reply within a digest exchange. `wantBuckets`: send our records of those buckets whose
   * fingerprints are not among the reply's (all of them when it has none: a revision-2 answer),
   * and ask for the records whose fingerprints we do not hold. `wantFingerprints`: send those.
   */
  private completeDigestExchange(
    message: PushPullMessage,
    from: string,
    bucketCount: number,
  ): void {
    const { memberTable } = this.ctx;
    const fields: PushPullFields = { join: false, reply: true, bucketCount };
    const wanted = message.wantBuckets ?? [];
    if (wanted.length > 0) {
      const listed = message.fingerprints ?? EMPTY_FINGERPRINTS;
      const theirs = FingerprintSet.of(listed);
      const { onlyOurs, ours } = memberTable.compareBuckets(wanted, bucketCount, theirs);
      if (onlyOurs.length > 0) this.sendRecords(from, onlyOurs, fields);
      // Each fingerprint we lack once, in the order the answer listed them.
      const lacking: number[] = [];
      const seen = new FingerprintSet(listed.length);
      for (let i = 0; i < listed.length; i++) {
        const fingerprint = listed[i]!;
        if (!ours.has(fingerprint) && seen.add(fingerprint)) lacking.push(fingerprint);
      }
      if (lacking.length > 0) this.askForRecords(from, lacking, bucketCount);
    }
    const asked = message.wantFingerprints;
    if (asked !== undefined && asked.length > 0) {
      const records = memberTable.withFingerprints(FingerprintSet.of(asked));
      if (records.length > 0) this.sendRecords(from, records, fields);
    }
  }

  /** Asks `address` for its records of fingerprints `lacking` (from one chunk of its answer). */
  private askForRecords(address: string, lacking: number[], bucketCount: number): void {
    const { ctx } = this;
    // No more than the chunk named, so it fits a datagram as that chunk did.
    const message = {
      ...this.emptyReply(bucketCount),
      wantFingerprints: Uint32Array.from(lacking),
    };
    ctx.transmit(address, [ctx.codec.encodeMessage(message)]);
  }

  /** A one-datagram reply within a digest exchange of `bucketCount` buckets, with no record. */
  private emptyReply(bucketCount: number): PushPullMessage {
    return {
      kind: 'push-pull',
      from: this.ctx.localId,
      join: false,
      reply: true,
      first: true,
      last: true,
      members: [],
      bucketCount,
    };
  }

  private answered(address: string): void {
    this.awaiting.get(address)?.();
    this.awaiting.delete(address);
  }

  private recordsIn(buckets: readonly number[], bucketCount: number): ClusterNode[] {
    if (buckets.length === 0) return [];
    return this.ctx.memberTable.inBuckets(buckets, bucketCount);
  }

  /** Sends `nodes` as push-pull chunks that each fit a datagram; `wantBuckets` rides on the first. */
  private sendRecords(address: string, records: RecordList, fields: PushPullFields): void {
    const { ctx } = this;
    // A stored record is immutable and has a member record's fields: it is sent as it is. Every
    // chunk is cut before the first is sent, so `records` may be a member table's own array.
    const { wantBuckets, ...rest } = fields;
    const empty: PushPullMessage = {
      kind: 'push-pull',
      from: ctx.localId,
      ...rest,
      first: true,
      last: true,
      members: [],
    };
    const room = ctx.config.maxDatagramBytes - DATAGRAM_HEADER_BYTES - PUSH_PULL_SLACK_BYTES;
    const firstBudget =
      room - encodedMessageSize(wantBuckets === undefined ? empty : { ...empty, wantBuckets });
    const budget = room - encodedMessageSize(empty);
    // Where each chunk starts, then one exact slice per chunk: arrays grown by a push per record
    // were reallocated twice each and held a third more cells than records (a seed answering n
    // joins keeps n^2 / 2 records in flight at once).
    const starts: number[] = [0];
    let used = 0;
    for (let i = 0; i < records.length; i++) {
      const size = ctx.codec.encodedMemberSize(records.at(i)!);
      const limit = starts.length === 1 ? firstBudget : budget;
      if (i > starts[starts.length - 1]! && used + size > limit) {
        starts.push(i);
        used = 0;
      }
      used += size;
    }
    const chunks = starts.map((start, index) => records.slice(start, starts[index + 1]));
    chunks.forEach((members, index) => {
      const first = index === 0;
      const message: PushPullMessage = {
        ...empty,
        first,
        last: index === chunks.length - 1,
        members,
        ...(first && wantBuckets !== undefined ? { wantBuckets } : {}),
      };
      ctx.transmit(address, [ctx.codec.encodeMessage(message)]);
    });
  }

  /**
   * Merges one record of a remote's full state. Changes to members we know are re-gossiped like
   * any other news (a partition healing, a refutation): nodes that learned them silently would
   * otherwise stop their epidemic. A member we did not know is gossiped only when it is the sender
   * itself (a joiner introducing itself); the others are already being spread by whoever first
   * heard of them, and a newcomer re-gossiping the whole table it received would flood every
   * queue with records everyone has. A remote's "dead" only makes us suspect, so we verify
   * ourselves.
   */
  private mergeRemote(member: MemberRecord, from: NodeId): void {
    const { id, incarnation } = member;
    const stored = id === this.ctx.localId ? undefined : this.ctx.memberTable.storedFor(member);
    const known = id === this.ctx.localId || stored !== undefined;
    const rebroadcast = known || id === from;
    switch (member.state) {
      case NodeState.Alive:
        // No newer than the record we hold: applying it would change nothing. Most records of a
        // full-state exchange are such; skipping them early saves building an update for each.
        if (stored !== undefined && incarnation <= stored.incarnation) return;
        this.handlers.alive(member, rebroadcast);
        return;
      case NodeState.Suspect:
      case NodeState.Dead:
        if (!known) {
          if (member.state === NodeState.Suspect) {
            this.handlers.alive(member, rebroadcast);
          }
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

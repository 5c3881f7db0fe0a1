import type { ClusterEvent } from './events.js';
import type { NodeId } from './node.js';

/** Parameters of the partition rule (see `docs/membership-protocol.md`, "Partitions"). */
export interface PartitionRule {
  /** Fraction of members that must fail within the window. */
  readonly fraction: number;
  readonly windowMs: number;
  /** Fewest failures within the window. */
  readonly minUnreachable: number;
}

/** What the detector needs to know about the local view when it evaluates the rule. */
export interface PartitionView {
  readonly localId: NodeId;
  /** Remote members that are alive or suspect. */
  readonly liveRemoteCount: number;
  /** Remote members that are alive (called only when a partition is detected). */
  aliveRemotes(): NodeId[];
  /** Remote members that are suspect (called only when a partition is detected). */
  suspectRemotes(): NodeId[];
}

/**
 * The partition rule. Detected when the members that failed (NodeFailed, not Left) within the last
 * `windowMs` number at least `minUnreachable` and at least `fraction` of all members (self + live
 * remotes + those failures). The unreachable set is those failures plus current suspects, and it
 * grows with failures while the partition lasts. Healed when the members of that set still
 * unreachable are fewer than `minUnreachable`, or under `fraction / 2` of the members (hysteresis).
 */
export class PartitionDetector {
  private readonly recentFailures = new Map<NodeId, number>();
  private unreachable: Set<NodeId> | undefined;
  private readonly rejoined = new Set<NodeId>();

  constructor(private readonly rule: PartitionRule) {}

  /** True between PartitionDetected and PartitionHealed. */
  get partitioned(): boolean {
    return this.unreachable !== undefined;
  }

  /** The members named unreachable by the current partition and not back yet (empty when none). */
  unreachableMembers(): NodeId[] {
    return [...(this.unreachable ?? [])].filter((id) => !this.rejoined.has(id));
  }

  /** A member was declared failed at `now`. */
  recordFailure(id: NodeId, now: number): void {
    this.recentFailures.set(id, now);
    if (this.unreachable !== undefined) {
      this.unreachable.add(id);
      this.rejoined.delete(id);
    }
  }

  /** A member is alive again (refuted suspicion or rejoined after a failure). */
  recordRecovery(id: NodeId): void {
    this.recentFailures.delete(id);
    if (this.unreachable?.has(id)) this.rejoined.add(id);
  }

  /** A member's record was reclaimed or it left: it no longer counts either way. */
  forget(id: NodeId): void {
    this.recentFailures.delete(id);
    this.unreachable?.delete(id);
    this.rejoined.delete(id);
  }

  /** Evaluates the rule at `now`; returns the event to raise if the partition state flips. */
  evaluate(now: number, view: PartitionView): ClusterEvent | undefined {
    const unreachable = this.unreachable;
    if (unreachable === undefined) {
      for (const [id, failedAt] of this.recentFailures) {
        if (failedAt < now - this.rule.windowMs) this.recentFailures.delete(id);
      }
      const failures = this.recentFailures.size;
      const members = 1 + view.liveRemoteCount + failures;
      if (failures < this.rule.minUnreachable || failures / members < this.rule.fraction) {
        return undefined;
      }
      this.unreachable = new Set([...this.recentFailures.keys(), ...view.suspectRemotes()]);
      this.rejoined.clear();
      return {
        type: 'PartitionDetected',
        reachable: [view.localId, ...view.aliveRemotes()],
        unreachable: [...this.unreachable],
      };
    }
    let still = 0;
    for (const id of unreachable) if (!this.rejoined.has(id)) still++;
    const members = 1 + view.liveRemoteCount + still;
    if (still >= this.rule.minUnreachable && still / members >= this.rule.fraction / 2) {
      return undefined;
    }
    const rejoined = [...this.rejoined];
    this.unreachable = undefined;
    this.rejoined.clear();
    this.recentFailures.clear();
    return rejoined.length > 0 ? { type: 'PartitionHealed', rejoined } : undefined;
  }
}

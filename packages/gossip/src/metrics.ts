import type { NodeState } from './node.js';
import type { SeedDiscoveryStats } from './seed-discovery.js';

/** Probe round-trip statistics over the most recent direct acks. */
export interface ProbeRttStats {
  /** Acks measured (all time). */
  readonly count: number;
  /** Over the last 256 acks; 0 when none. */
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Counters of one gossip node, readable at any time. */
export interface GossipMetricsSnapshot {
  /** Known members by state, the local node included. */
  readonly members: Readonly<Record<NodeState, number>>;
  readonly datagramsIn: number;
  readonly datagramsOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Dropped datagrams or messages by reason (e.g. `decode`, `oversize`, `auth`). */
  readonly drops: Readonly<Record<string, number>>;
  readonly probesSent: number;
  /** Probes answered, directly or through an indirect probe. */
  readonly probesAcked: number;
  readonly probesFailed: number;
  readonly probeRtt: ProbeRttStats;
  /** Suspicions this node raised after failed probes. */
  readonly suspicionsRaised: number;
  /** Suspect records this node held that were refuted (suspect -> alive). */
  readonly suspicionsRefuted: number;
  /** Times this node refuted suspicion or death of itself. */
  readonly selfRefutations: number;
  /** Members retired because a new member (another id) took over their gossip address. */
  readonly addressTakeovers: number;
  /** Lifeguard local health score (0 = healthy). */
  readonly awareness: number;
  /** The local node's incarnation. */
  readonly incarnation: number;
  /** How seed discovery went, when the member was given a `seedDiscovery` source. */
  readonly seedDiscovery?: SeedDiscoveryStats;
}

const RTT_WINDOW = 256;

/** Mutable counters behind {@link GossipMetricsSnapshot}. */
export class GossipMetrics {
  datagramsIn = 0;
  datagramsOut = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  probesSent = 0;
  probesAcked = 0;
  probesFailed = 0;
  suspicionsRaised = 0;
  suspicionsRefuted = 0;
  selfRefutations = 0;
  addressTakeovers = 0;
  private readonly drops = new Map<string, number>();
  private readonly rtts: number[] = [];
  private rttCount = 0;

  /** Counts one dropped datagram or message. */
  recordDrop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  /** Records a direct probe round trip. */
  recordRtt(ms: number): void {
    this.rtts[this.rttCount % RTT_WINDOW] = ms;
    this.rttCount++;
  }

  /** Drop counters as a plain object. */
  dropCounts(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }

  /** RTT statistics over the recent window. */
  rttStats(): ProbeRttStats {
    if (this.rtts.length === 0) {
      return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    }
    const sorted = [...this.rtts].sort((a, b) => a - b);
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return {
      count: this.rttCount,
      minMs: sorted[0]!,
      meanMs: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted[sorted.length - 1]!,
    };
  }
}

import { suspicionTimeoutBounds } from './suspicion.js';

/**
 * How a suspicion's timeout is sized. `adaptive` (default): from what this node measures, the time
 * a refutation takes to come back here. `memberlist`: memberlist's fixed formula
 * `suspicionMultiplier * max(1, log10 n) * probeIntervalMs`, kept for comparison.
 */
export type SuspicionRuleName = 'adaptive' | 'memberlist';

/** The configuration fields the suspicion rule reads. */
export interface SuspicionRuleConfig {
  readonly suspicionRule: SuspicionRuleName;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly gossipIntervalMs: number;
  readonly gossipFanout: number;
  readonly suspicionMultiplier: number;
  readonly suspicionMaxTimeoutMultiplier: number;
}

/** Refutation latencies remembered; the slowest of them sizes the next suspicion. */
const REFUTATION_SAMPLES = 32;
/** Margin over the slowest refutation seen: a refutation that took that long may take longer. */
const REFUTATION_MARGIN = 1.5;

/**
 * Epidemic rounds for news to reach `liveNodes` members when each round tells `fanout` more:
 * `ceil(log(n) / log(fanout + 1))`, at least 1.
 */
export function disseminationRounds(liveNodes: number, fanout: number): number {
  if (liveNodes <= 2) return 1;
  return Math.max(1, Math.ceil(Math.log(liveNodes) / Math.log(fanout + 1)));
}

/**
 * The modelled refutation path: the suspicion reaches the suspect (the probe that carries it, or the
 * gossip epidemic), the suspect's `alive` travels the epidemic back: one probe timeout plus two
 * dissemination times.
 */
export function modelledRefutationMs(liveNodes: number, config: SuspicionRuleConfig): number {
  const rounds = disseminationRounds(liveNodes, config.gossipFanout);
  return config.probeTimeoutMs + 2 * rounds * config.gossipIntervalMs;
}

/**
 * Sizes suspicion timeouts. Under `adaptive`, the shortest timeout is the longer of one protocol
 * period and the refutation time (the modelled one, or 1.5 x the slowest refutation measured
 * lately), never longer than memberlist's; the longest is `suspicionMaxTimeoutMultiplier` times it
 * (Lifeguard confirmations bring it down). Both are stretched by the local health multiplier.
 */
export class SuspicionRule {
  private readonly refutations: number[] = [];
  private next = 0;

  constructor(private readonly config: SuspicionRuleConfig) {}

  /** Records that a suspicion this node held was refuted `latencyMs` after it started here. */
  recordRefutation(latencyMs: number): void {
    if (this.refutations.length < REFUTATION_SAMPLES) this.refutations.push(latencyMs);
    else this.refutations[this.next] = latencyMs;
    this.next = (this.next + 1) % REFUTATION_SAMPLES;
  }

  /** The slowest refutation among the recent ones, if any was measured. */
  slowestRefutationMs(): number | undefined {
    return this.refutations.length === 0 ? undefined : Math.max(...this.refutations);
  }

  /** Shortest and longest timeout for a suspicion raised now among `liveNodes` members. */
  bounds(liveNodes: number, healthMultiplier: number): { minMs: number; maxMs: number } {
    const c = this.config;
    const memberlist = suspicionTimeoutBounds(
      liveNodes,
      c.probeIntervalMs,
      c.suspicionMultiplier,
      c.suspicionMaxTimeoutMultiplier,
    );
    if (c.suspicionRule === 'memberlist') return memberlist;
    const measured = (this.slowestRefutationMs() ?? 0) * REFUTATION_MARGIN;
    const refutationMs = Math.max(modelledRefutationMs(liveNodes, c), measured);
    const minMs =
      Math.min(memberlist.minMs, Math.max(c.probeIntervalMs, refutationMs)) * healthMultiplier;
    return { minMs, maxMs: minMs * c.suspicionMaxTimeoutMultiplier };
  }
}

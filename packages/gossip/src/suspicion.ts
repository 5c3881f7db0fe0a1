import type { CancelTimer, MonotonicClock as Clock } from '@rpcnet/base';
import type { NodeId } from './node.js';

/** Shortest and longest suspicion timeout for a cluster of `liveNodes` members (Lifeguard). */
export function suspicionTimeoutBounds(
  liveNodes: number,
  probeIntervalMs: number,
  suspicionMultiplier: number,
  maxTimeoutMultiplier: number,
): { readonly minMs: number; readonly maxMs: number } {
  const scale = Math.max(1, Math.log10(Math.max(1, liveNodes)));
  const minMs = suspicionMultiplier * scale * probeIntervalMs;
  return { minMs, maxMs: maxTimeoutMultiplier * minMs };
}

/**
 * Lifeguard's suspicion timeout after `confirmations` independent confirmations out of the
 * `expected` ones: starts at `maxMs` and falls logarithmically to `minMs`.
 */
export function suspicionTimeoutMs(
  confirmations: number,
  expected: number,
  minMs: number,
  maxMs: number,
): number {
  if (expected < 1) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(minMs, Math.floor(maxMs - fraction * (maxMs - minMs)));
}

/** Options of one {@link Suspicion}. */
export interface SuspicionOptions {
  readonly clock: Clock;
  /** Who raised the suspicion: it does not count as a confirmation. */
  readonly from: NodeId;
  /** Confirmations after which the timeout reaches `minMs`. */
  readonly expectedConfirmations: number;
  readonly minMs: number;
  readonly maxMs: number;
  /**
   * `onTimeout` runs this long before the timeout elapses (default 0), so a final check that takes
   * this long, such as the last probe of the suspect, ends at the deadline instead of after it.
   */
  readonly leadMs?: number;
  /** Called once when the timeout (less `leadMs`) elapses unrefuted. */
  readonly onTimeout: () => void;
}

/**
 * The timer of one suspected node. Each confirmation from a distinct member shortens the remaining
 * time, so a suspicion many members agree on expires sooner than a lone one.
 */
export class Suspicion {
  private readonly confirmers = new Set<NodeId>();
  private readonly startedAt: number;
  private cancelTimer: CancelTimer | undefined;
  private done = false;

  constructor(private readonly options: SuspicionOptions) {
    this.confirmers.add(options.from);
    this.startedAt = options.clock.now();
    this.schedule();
  }

  /** When the suspicion started (clock ms). */
  get started(): number {
    return this.startedAt;
  }

  /** Independent confirmations received so far. */
  get confirmations(): number {
    return this.confirmers.size - 1;
  }

  /** Records a confirmation by `from`; returns true if it was new (and shortened the timer). */
  confirm(from: NodeId): boolean {
    if (this.done || this.confirmations >= this.options.expectedConfirmations) return false;
    if (this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.schedule();
    return true;
  }

  /** Stops the timer (the suspect refuted, or the node died another way). */
  cancel(): void {
    this.done = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private schedule(): void {
    this.cancelTimer?.();
    const { clock, expectedConfirmations, minMs, maxMs, leadMs = 0 } = this.options;
    const timeout = suspicionTimeoutMs(this.confirmations, expectedConfirmations, minMs, maxMs);
    const remaining = Math.max(0, this.startedAt + timeout - leadMs - clock.now());
    this.cancelTimer = clock.setTimer(remaining, () => {
      if (this.done) return;
      this.done = true;
      this.options.onTimeout();
    });
  }
}

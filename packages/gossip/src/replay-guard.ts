import { ClusterConfigError } from './errors.js';

/** Options of {@link ReplayGuard}. */
export interface ReplayGuardOptions {
  /** Datagrams stamped further than this from the local wall clock are refused. Default 120 s. */
  readonly windowMs?: number;
  /** Bound on remembered nonces; beyond it the oldest are forgotten first. Default 100,000. */
  readonly maxEntries?: number;
}

/** What {@link ReplayGuard.admit} decided about one datagram. */
export type ReplayVerdict = 'fresh' | 'stale' | 'replay';

/**
 * Refuses authenticated datagrams that are too old (sender timestamp outside the window) or
 * already seen (same nonce within the window). Nodes' wall clocks must agree within the window.
 */
export class ReplayGuard {
  readonly windowMs: number;
  readonly maxEntries: number;
  /** nonce (hex) -> sender timestamp, in insertion order so the head is (roughly) the oldest. */
  readonly #seen = new Map<string, number>();

  constructor(options: ReplayGuardOptions = {}) {
    this.windowMs = options.windowMs ?? 120_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!(this.windowMs > 0)) throw new ClusterConfigError('windowMs', 'must be positive');
    if (!(this.maxEntries >= 1)) throw new ClusterConfigError('maxEntries', 'must be at least 1');
  }

  /** Records the datagram's nonce if it is fresh; call only after it authenticated. */
  admit(sentAtMs: number, nonce: Uint8Array, nowMs: number): ReplayVerdict {
    if (Math.abs(nowMs - sentAtMs) > this.windowMs) return 'stale';
    this.#forgetOlderThan(nowMs - this.windowMs);
    const key = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString('hex');
    if (this.#seen.has(key)) return 'replay';
    this.#seen.set(key, sentAtMs);
    if (this.#seen.size > this.maxEntries) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return 'fresh';
  }

  /** How many nonces are remembered right now. */
  size(): number {
    return this.#seen.size;
  }

  #forgetOlderThan(cutoffMs: number): void {
    for (const [key, sentAt] of this.#seen) {
      if (sentAt >= cutoffMs) return;
      this.#seen.delete(key);
    }
  }
}

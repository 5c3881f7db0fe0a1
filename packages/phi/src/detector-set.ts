import type { PhiAccrualOptions } from './config.js';
import { resolvePhiOptions } from './config.js';
import { PhiAccrualDetector } from './detector.js';
import { checkTimestamp } from './time.js';

/**
 * One {@link PhiAccrualDetector} per peer, keyed by node id, all sharing the same options.
 * A peer's detector is created by its first heartbeat.
 */
export class PhiDetectorSet<K = string> {
  private readonly options: PhiAccrualOptions;
  private readonly detectors = new Map<K, PhiAccrualDetector>();

  /** Validates `options` once (throws PhiConfigError naming the field); they apply to every peer. */
  constructor(options?: PhiAccrualOptions) {
    this.options = resolvePhiOptions(options);
  }

  /** Number of peers tracked. */
  get size(): number {
    return this.detectors.size;
  }

  /** Records a heartbeat from `key` at `now` (default: the clock), creating its detector if new. */
  heartbeat(key: K, now?: number): void {
    const existing = this.detectors.get(key);
    if (existing !== undefined) {
      existing.heartbeat(now);
      return;
    }
    const detector = new PhiAccrualDetector(this.options);
    // Heartbeat before inserting so a rejected timestamp leaves no half-created peer behind.
    detector.heartbeat(now);
    this.detectors.set(key, detector);
  }

  /** Phi of `key` at `now` (default: the clock); 0 for a key never heard from. */
  phi(key: K, now?: number): number {
    const detector = this.detectors.get(key);
    if (detector !== undefined) return detector.phi(now);
    if (now !== undefined) checkTimestamp(now, 'now');
    return 0;
  }

  /** True while phi of `key` is below the threshold; true for a key never heard from. */
  isAvailable(key: K, now?: number): boolean {
    const detector = this.detectors.get(key);
    if (detector !== undefined) return detector.isAvailable(now);
    if (now !== undefined) checkTimestamp(now, 'now');
    return true;
  }

  /** The detector of `key`, or undefined if it was never heard from (or was removed). */
  get(key: K): PhiAccrualDetector | undefined {
    return this.detectors.get(key);
  }

  /** True if `key` has a detector. */
  has(key: K): boolean {
    return this.detectors.has(key);
  }

  /** Stops tracking `key`; returns whether it was tracked. */
  remove(key: K): boolean {
    return this.detectors.delete(key);
  }

  /** Stops tracking every peer. */
  clear(): void {
    this.detectors.clear();
  }

  /** The tracked keys, in insertion order. */
  keys(): IterableIterator<K> {
    return this.detectors.keys();
  }

  /** The tracked `[key, detector]` pairs, in insertion order. */
  entries(): IterableIterator<[K, PhiAccrualDetector]> {
    return this.detectors.entries();
  }
}

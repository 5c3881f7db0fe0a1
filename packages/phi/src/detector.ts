import type { PhiAccrualOptions, PhiModel, ResolvedPhiOptions } from './config.js';
import { resolvePhiOptions } from './config.js';
import { doubleArray } from './double-array.js';
import { IntervalWindow } from './interval-window.js';
import { exponentialPhi, normalPhi } from './models.js';
import { checkTimestamp } from './time.js';

// Slots of PhiAccrualDetector's state array.
const LAST = 0;
const MEAN = 1;
const STD_DEVIATION = 2;
const NORMAL_MEAN = 3;
const NORMAL_STD_DEVIATION = 4;
const STATE_SLOTS = 5;

/**
 * Phi accrual failure detector for one peer (Hayashibara et al. 2004): turns the history of
 * heartbeat arrivals into a continuous suspicion level `phi`. O(1), allocation-free per call.
 */
export class PhiAccrualDetector {
  /** Phi at or above which {@link isAvailable} returns false. */
  readonly threshold: number;
  /** The distribution used to compute phi. */
  readonly model: PhiModel;
  private readonly options: ResolvedPhiOptions;
  private readonly window: IntervalWindow;
  private hasHeartbeat = false;
  // The last heartbeat time and the statistics derived from the window on every recorded interval
  // (so phi() needs no sqrt), in an array of raw doubles: a `number` field that holds an integer
  // first changes representation or is boxed, deoptimising callers and allocating heap numbers,
  // and a typed array costs about 300 bytes of objects (a gossip member keeps a detector for every
  // member it has probed).
  private readonly state = doubleArray(STATE_SLOTS);

  /** Validates `options` (throws PhiConfigError naming the field) and creates an empty detector. */
  constructor(options?: PhiAccrualOptions) {
    const resolved = resolvePhiOptions(options);
    this.options = resolved;
    this.threshold = resolved.threshold;
    this.model = resolved.model;
    this.window = new IntervalWindow(resolved.maxSampleSize);
  }

  /** Number of inter-arrival samples in the window, including the two seeded by the first heartbeat. */
  get sampleCount(): number {
    return this.window.size;
  }

  /** Mean inter-arrival time of the window in ms (without the acceptable pause); 0 before any heartbeat. */
  get mean(): number {
    return this.state[MEAN]!;
  }

  /** Standard deviation of the window in ms, before the minStdDeviation floor; 0 before any heartbeat. */
  get stdDeviation(): number {
    return this.state[STD_DEVIATION]!;
  }

  /** Time of the latest accepted heartbeat in ms, or undefined if none has arrived since creation/reset. */
  get lastHeartbeat(): number | undefined {
    return this.hasHeartbeat ? this.state[LAST]! : undefined;
  }

  /**
   * Records a heartbeat at `now` (default: the clock). The first one seeds the window; later ones
   * record the interval since the previous. A heartbeat at or before the previous one (duplicate,
   * clock stepping back) records nothing and leaves lastHeartbeat unchanged.
   */
  heartbeat(now?: number): void {
    const time = this.readTime(now);
    if (!this.hasHeartbeat) {
      this.seed();
      this.state[LAST] = time;
      this.hasHeartbeat = true;
      return;
    }
    const interval = time - this.state[LAST]!;
    if (interval <= 0) return;
    this.window.add(interval);
    this.updateStatistics();
    this.state[LAST] = time;
  }

  /**
   * Suspicion level at `now` (default: the clock): `-log10` of the probability that the next
   * heartbeat arrives later than now. 0 before the first heartbeat; finite for any valid input.
   */
  phi(now?: number): number {
    const time = this.readTime(now);
    if (!this.hasHeartbeat) return 0;
    const last = this.state[LAST]!;
    // A clock that went backwards counts as no time elapsed, never as negative time.
    const elapsed = time > last ? time - last : 0;
    if (this.model === 'normal') {
      return normalPhi(elapsed, this.state[NORMAL_MEAN]!, this.state[NORMAL_STD_DEVIATION]!);
    }
    const pastPause = elapsed - this.options.acceptableHeartbeatPauseMs;
    return exponentialPhi(Math.max(0, pastPause), this.state[MEAN]!);
  }

  /** True while `phi(now) < threshold`; true before the first heartbeat. */
  isAvailable(now?: number): boolean {
    return this.phi(now) < this.threshold;
  }

  /** Forgets every heartbeat: back to the state of a new detector with the same options. */
  reset(): void {
    this.window.clear();
    this.hasHeartbeat = false;
    this.state.fill(0);
  }

  private readTime(now: number | undefined): number {
    return now === undefined
      ? checkTimestamp(this.options.clock.now(), 'clock.now()')
      : checkTimestamp(now, 'now');
  }

  // Two samples at estimate -/+ estimate/4 give mean = estimate and stdDev = estimate/4 (as Akka does),
  // so phi is meaningful from the second heartbeat; real intervals evict them as they arrive.
  private seed(): void {
    const estimate = this.options.firstHeartbeatEstimateMs;
    const spread = estimate / 4;
    this.window.add(estimate - spread);
    this.window.add(estimate + spread);
    this.updateStatistics();
  }

  private updateStatistics(): void {
    const mean = this.window.mean;
    const stdDeviation = Math.sqrt(this.window.variance);
    this.state[MEAN] = mean;
    this.state[STD_DEVIATION] = stdDeviation;
    this.state[NORMAL_MEAN] = mean + this.options.acceptableHeartbeatPauseMs;
    this.state[NORMAL_STD_DEVIATION] = Math.max(stdDeviation, this.options.minStdDeviationMs);
  }
}

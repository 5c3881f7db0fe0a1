import type { Clock } from '@rpcnet/core';

/** Settings of an {@link OutlierDetector}. */
export interface OutlierDetectionOptions {
  /** Whether failing workers are ejected at all. */
  readonly enabled: boolean;
  /** Consecutive connection-level failures that eject a worker. */
  readonly consecutiveFailures: number;
  /** Length of a worker's first ejection, in ms. */
  readonly baseEjectionMs: number;
  /** Growth factor of the ejection period for each repeated ejection. */
  readonly multiplier: number;
  /**
   * Longest ejection period, in ms. A worker that stays admitted this long after its last
   * ejection starts again from `baseEjectionMs`.
   */
  readonly maxEjectionMs: number;
  /** Largest fraction of the known workers ejected at the same time (rounded down). */
  readonly maxEjectionFraction: number;
}

/** Outlier state of one worker that has failed at least once. */
interface WorkerHealth {
  /** Connection-level failures since the last success or ejection. */
  failures: number;
  /** Ejections that count towards the growth of the period. */
  ejections: number;
  /** End of the current ejection; `undefined` while admitted. */
  ejectedUntil: number | undefined;
  /** When the last ejection ended. */
  readmittedAt: number;
  /** Back from an ejection without a success yet: one more failure ejects it again. */
  probation: boolean;
}

/**
 * Passive outlier detection: counts each worker's consecutive connection-level failures and ejects
 * it from selection for a period that grows with repeated ejections, never ejecting more than a
 * fraction of the known workers. Works only on reported outcomes and an injected clock.
 */
export class OutlierDetector {
  readonly #options: OutlierDetectionOptions;
  readonly #clock: Clock;
  readonly #workerCount: () => number;
  readonly #workers = new Map<string, WorkerHealth>();
  #ejections = 0;

  /** `workerCount` tells how many workers are known, for the `maxEjectionFraction` cap. */
  constructor(options: OutlierDetectionOptions, clock: Clock, workerCount: () => number) {
    this.#options = options;
    this.#clock = clock;
    this.#workerCount = workerCount;
  }

  /** Ejections since creation. */
  get ejections(): number {
    return this.#ejections;
  }

  /** Ids of the workers ejected now; workers whose period ended are re-admitted first. */
  ejected(): readonly string[] {
    const ids: string[] = [];
    if (this.#workers.size === 0) return ids;
    const now = this.#clock.now();
    for (const [id, health] of this.#workers) {
      if (this.#isEjected(health, now)) ids.push(id);
    }
    return ids;
  }

  /** True while `workerId` is ejected. */
  isEjected(workerId: string): boolean {
    const health = this.#workers.get(workerId);
    return health !== undefined && this.#isEjected(health, this.#clock.now());
  }

  /**
   * Records a connection-level failure (unreachable, connection lost, attempt timeout); returns
   * true when it ejected the worker. Failures of calls started before an ejection do not extend it.
   */
  recordFailure(workerId: string): boolean {
    if (!this.#options.enabled) return false;
    const now = this.#clock.now();
    let health = this.#workers.get(workerId);
    if (health === undefined) {
      health = {
        failures: 0,
        ejections: 0,
        ejectedUntil: undefined,
        readmittedAt: Number.NEGATIVE_INFINITY,
        probation: false,
      };
      this.#workers.set(workerId, health);
    }
    if (this.#isEjected(health, now)) return false;
    health.failures += 1;
    const threshold = health.probation ? 1 : this.#options.consecutiveFailures;
    if (health.failures < threshold || !this.#mayEjectAnother(now)) return false;
    if (now - health.readmittedAt >= this.#options.maxEjectionMs) health.ejections = 0;
    const { baseEjectionMs, multiplier, maxEjectionMs } = this.#options;
    const periodMs = Math.min(maxEjectionMs, baseEjectionMs * multiplier ** health.ejections);
    health.ejections += 1;
    health.ejectedUntil = now + periodMs;
    health.failures = 0;
    health.probation = false;
    this.#ejections += 1;
    return true;
  }

  /** Records that the worker answered (a success or an application error): its failure count resets. */
  recordSuccess(workerId: string): void {
    const health = this.#workers.get(workerId);
    if (health === undefined) return;
    health.failures = 0;
    health.probation = false;
  }

  /** Drops everything known about a worker (it left the registry). */
  forget(workerId: string): void {
    this.#workers.delete(workerId);
  }

  /** Period in ms until `workerId` is re-admitted; 0 when it is not ejected. */
  remainingMs(workerId: string): number {
    const health = this.#workers.get(workerId);
    const now = this.#clock.now();
    if (health === undefined || !this.#isEjected(health, now)) return 0;
    return (health.ejectedUntil ?? now) - now;
  }

  /** Whether `health` is ejected at `now`; re-admits it (on probation) once its period ended. */
  #isEjected(health: WorkerHealth, now: number): boolean {
    if (health.ejectedUntil === undefined) return false;
    if (now < health.ejectedUntil) return true;
    health.readmittedAt = health.ejectedUntil;
    health.ejectedUntil = undefined;
    health.probation = true;
    return false;
  }

  #mayEjectAnother(now: number): boolean {
    const allowed = Math.floor(this.#options.maxEjectionFraction * this.#workerCount());
    let ejected = 0;
    for (const health of this.#workers.values()) {
      if (this.#isEjected(health, now)) ejected += 1;
    }
    return ejected < allowed;
  }
}

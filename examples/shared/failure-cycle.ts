import { type CancelTimer, type Clock, systemClock } from 'rpcnet';
import type { WorkerPhase } from './demo-report.js';
import type { FailureDurations } from './settings.js';

const NEXT: Readonly<Record<WorkerPhase, WorkerPhase>> = {
  running: 'warning',
  warning: 'failed',
  failed: 'recovering',
  recovering: 'running',
};

/**
 * The simulated failure of a worker: running -> warning -> failed -> recovering -> running ...
 * Each phase lasts its configured duration; listeners hear every change. A disabled cycle stays
 * in `running` forever.
 */
export class FailureCycle {
  readonly #durations: FailureDurations;
  readonly #clock: Clock;
  readonly #listeners = new Set<(phase: WorkerPhase) => void>();
  #phase: WorkerPhase = 'running';
  #cancel: CancelTimer | undefined;

  constructor(durations: FailureDurations, clock: Clock = systemClock) {
    this.#durations = durations;
    this.#clock = clock;
  }

  /** The current phase. */
  get phase(): WorkerPhase {
    return this.#phase;
  }

  /** True while the worker must reject work. */
  get failed(): boolean {
    return this.#phase === 'failed';
  }

  /** Calls `listener` on every phase change; returns the unsubscribe function. */
  onChange(listener: (phase: WorkerPhase) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Starts cycling from `running`. */
  start(): void {
    this.stop();
    this.#enter('running');
  }

  /** Stops cycling and returns to `running` quietly. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#phase = 'running';
  }

  #enter(phase: WorkerPhase): void {
    this.#phase = phase;
    for (const listener of [...this.#listeners]) listener(phase);
    this.#cancel = this.#clock.setTimer(this.#durationOf(phase), () => this.#enter(NEXT[phase]));
  }

  #durationOf(phase: WorkerPhase): number {
    switch (phase) {
      case 'running':
        return this.#durations.runMs;
      case 'warning':
        return this.#durations.warningMs;
      case 'failed':
        return this.#durations.failedMs;
      case 'recovering':
        return this.#durations.recoveringMs;
    }
  }
}

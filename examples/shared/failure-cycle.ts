import {
  type CancelTimer,
  type WallClock as Clock,
  createSeededRandom,
  type RandomSource,
  systemWallClock as systemClock,
} from '@rpcnet/base';
import type { WorkerPhase } from './demo-report.js';
import type { FailureDurations } from './settings.js';

const NEXT: Readonly<Record<WorkerPhase, WorkerPhase>> = {
  running: 'warning',
  warning: 'failed',
  failed: 'recovering',
  recovering: 'running',
};

/**
 * The random source of one worker's failure cycle: the seed mixed with the worker's label, so
 * workers given the same WORKER_FAILURE_SEED still fail at different times, and each is reproducible.
 */
export function failureRandomFor(label: string, seed: number): RandomSource {
  let hash = seed >>> 0;
  for (const char of label) hash = (Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0) + 1;
  return createSeededRandom(hash >>> 0);
}

/**
 * The simulated failure of a worker: running -> warning -> failed -> recovering -> running ...
 * Each running phase lasts a random time between `runMinMs` and `runMaxMs` (drawn from `random`,
 * so a seed reproduces a run), so workers started together fail at different times; the other
 * phases last their configured durations. Listeners hear every change and how long the new phase
 * lasts. A disabled cycle stays in `running` forever.
 */
export class FailureCycle {
  readonly #durations: FailureDurations;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #listeners = new Set<(phase: WorkerPhase, durationMs: number) => void>();
  #phase: WorkerPhase = 'running';
  #cancel: CancelTimer | undefined;

  constructor(durations: FailureDurations, random: RandomSource, clock: Clock = systemClock) {
    this.#durations = durations;
    this.#random = random;
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
  onChange(listener: (phase: WorkerPhase, durationMs: number) => void): () => void {
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
    const durationMs = this.#durationOf(phase);
    for (const listener of [...this.#listeners]) listener(phase, durationMs);
    this.#cancel = this.#clock.setTimer(durationMs, () => this.#enter(NEXT[phase]));
  }

  #durationOf(phase: WorkerPhase): number {
    switch (phase) {
      case 'running': {
        const { runMinMs, runMaxMs } = this.#durations;
        return Math.round(runMinMs + this.#random() * (runMaxMs - runMinMs));
      }
      case 'warning':
        return this.#durations.warningMs;
      case 'failed':
        return this.#durations.failedMs;
      case 'recovering':
        return this.#durations.recoveringMs;
    }
  }
}

import type { AnyClock as Clock } from '@rpcnet/base';
import type { CallOutcome, Worker, WorkerLease } from './worker.js';
import type { WorkerEntry } from './worker-entry.js';

/** Called once when a lease ends; reads `lease.heldMs()` only when the outcome gives no latency. */
export type LeaseSettler = (entry: WorkerEntry, lease: EntryLease, outcome: CallOutcome) => void;

/** The registry's lease: counts one call on `entry` until released, exactly once. */
export class EntryLease implements WorkerLease {
  readonly worker: Worker;
  private readonly acquiredAt: number;
  private done = false;

  constructor(
    private readonly entry: WorkerEntry,
    private readonly clock: Clock,
    private readonly settle: LeaseSettler,
  ) {
    this.acquiredAt = clock.now();
    this.worker = entry.snapshot();
  }

  get released(): boolean {
    return this.done;
  }

  release(outcome: CallOutcome = {}): boolean {
    if (this.done) {
      return false;
    }
    this.done = true;
    this.settle(this.entry, this, outcome);
    return true;
  }

  /** Time since acquisition on the registry's clock. */
  heldMs(): number {
    return this.clock.now() - this.acquiredAt;
  }
}

/** What a call running on a worker does when membership turns against that worker. */
export interface WorkerWatcher {
  /** The worker is suspected (it may still answer). */
  suspect(): void;
  /** The worker was declared failed. */
  failed(): void;
}

/** The calls running on each worker, told when membership suspects the worker or declares it failed. */
export class WorkerWatchers {
  readonly #byWorker = new Map<string, Set<WorkerWatcher>>();

  /** Tells `watcher` when membership turns against `workerId`; returns the unsubscribe. */
  watch(workerId: string, watcher: WorkerWatcher): () => void {
    let set = this.#byWorker.get(workerId);
    if (set === undefined) {
      set = new Set();
      this.#byWorker.set(workerId, set);
    }
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#byWorker.get(workerId) === set) this.#byWorker.delete(workerId);
    };
  }

  /** Membership started suspecting `workerId`. */
  suspected(workerId: string): void {
    for (const watcher of [...(this.#byWorker.get(workerId) ?? [])]) watcher.suspect();
  }

  /** Membership declared `workerId` failed. */
  failed(workerId: string): void {
    for (const watcher of [...(this.#byWorker.get(workerId) ?? [])]) watcher.failed();
  }
}

/** How a {@link WorkerRegistry}'s selections went since it was created, as a snapshot. */
export interface WorkerSelectionStats {
  /** The strategy's name, e.g. `round-robin`. */
  readonly strategy: string;
  /** Alive workers chosen (each `selectWorker` that returned a lease on one). */
  readonly alive: number;
  /** Suspect workers chosen because no alive one was left to choose. */
  readonly suspect: number;
  /** Selections that found no worker (`NoWorkersAvailableError`). */
  readonly none: number;
}

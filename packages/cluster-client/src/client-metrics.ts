/** Counters of a {@link ClusterClient}, as a snapshot. */
export interface ClusterClientMetrics {
  /** Calls started (unary and streaming). */
  readonly calls: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Attempts made on another worker after a failure (resumes of streams included). */
  readonly retries: number;
  /** Retries refused because the retry budget was spent. */
  readonly retriesDenied: number;
  /** Hedged attempts: sent while an earlier attempt of the call was still running. */
  readonly hedges: number;
  /** Attempts given up at their attempt timeout (fixed or adaptive) for another worker. */
  readonly attemptTimeouts: number;
  /** Streams continued on another worker after messages had been received. */
  readonly resumes: number;
  /** Calls that ended because no worker was left to try. */
  readonly noWorkers: number;
  /** Workers ejected by outlier detection (each ejection counted). */
  readonly ejections: number;
}

/** The live counters behind {@link ClusterClientMetrics}, bumped by the calls as they run. */
export class CallCounters {
  calls = 0;
  succeeded = 0;
  failed = 0;
  retries = 0;
  retriesDenied = 0;
  hedges = 0;
  attemptTimeouts = 0;
  resumes = 0;
  noWorkers = 0;

  /** A snapshot, with the ejection count that outlier detection keeps. */
  snapshot(ejections: number): ClusterClientMetrics {
    return {
      calls: this.calls,
      succeeded: this.succeeded,
      failed: this.failed,
      retries: this.retries,
      retriesDenied: this.retriesDenied,
      hedges: this.hedges,
      attemptTimeouts: this.attemptTimeouts,
      resumes: this.resumes,
      noWorkers: this.noWorkers,
      ejections,
    };
  }
}

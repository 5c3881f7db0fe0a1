import type { ClientCounters } from './demo-report.js';

/** A client's running totals; `snapshot()` is what it reports and prints. */
export class ClientTally {
  callsStarted = 0;
  callsCompleted = 0;
  callsLost = 0;
  callsCancelled = 0;
  failovers = 0;
  tokens = 0;

  /** Calls started and not yet ended. */
  get activeCalls(): number {
    return this.callsStarted - this.callsCompleted - this.callsLost - this.callsCancelled;
  }

  /** A frozen copy of the counters. */
  snapshot(): ClientCounters {
    return Object.freeze({
      callsStarted: this.callsStarted,
      callsCompleted: this.callsCompleted,
      callsLost: this.callsLost,
      callsCancelled: this.callsCancelled,
      failovers: this.failovers,
      tokens: this.tokens,
      activeCalls: this.activeCalls,
    });
  }

  /** One line for the log: `42 calls, 40 completed, 0 lost, 3 failovers, 800 tokens`. */
  describe(): string {
    return `${this.callsStarted} calls, ${this.callsCompleted} completed, ${this.callsLost} lost, ${this.callsCancelled} cancelled, ${this.failovers} failovers, ${this.tokens} tokens`;
  }
}

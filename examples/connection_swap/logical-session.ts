import { randomUUID } from 'node:crypto';
import type { SessionAck, SessionMessage } from './session.gen.js';

/**
 * A client's logical session: its id, sequence numbers and running total live here, not in any
 * connection, so the session survives replacing the connection (and the worker) underneath it.
 * Messages stay pending until acknowledged and are resent on the next connection.
 */
export class LogicalSession {
  readonly id: string = randomUUID();
  #nextSeq = 1;
  #total = 0;
  #sent = 0;
  #acknowledged = 0;
  #resent = 0;
  readonly #pending: SessionMessage[] = [];

  /** The session's total as acknowledged so far. */
  get total(): number {
    return this.#total;
  }

  /** Messages created, acknowledged, and sent again after a swap. */
  get counts(): { sent: number; acknowledged: number; resent: number; pending: number } {
    return {
      sent: this.#sent,
      acknowledged: this.#acknowledged,
      resent: this.#resent,
      pending: this.#pending.length,
    };
  }

  /** The next message, carrying `value`; pending until acknowledged. */
  next(value: number): SessionMessage {
    const previous = this.#pending.at(-1);
    const totalBefore = previous === undefined ? this.#total : previous.total + previous.value;
    const message = { sessionId: this.id, seq: this.#nextSeq, value, total: totalBefore };
    this.#nextSeq += 1;
    this.#sent += 1;
    this.#pending.push(message);
    return message;
  }

  /** Messages sent but not acknowledged, to resend on a new connection (oldest first). */
  resendable(): readonly SessionMessage[] {
    this.#resent += this.#pending.length;
    return [...this.#pending];
  }

  /** Applies an acknowledgement; throws if it is not the next one or its total is wrong. */
  acknowledge(ack: SessionAck): void {
    const expected = this.#pending[0];
    if (expected === undefined || ack.sessionId !== this.id || ack.seq !== expected.seq) {
      throw new Error(
        `unexpected acknowledgement ${ack.seq} (expected ${expected?.seq ?? 'none'})`,
      );
    }
    if (ack.total !== expected.total + expected.value) {
      throw new Error(
        `message ${ack.seq}: total ${ack.total}, expected ${expected.total + expected.value}`,
      );
    }
    this.#pending.shift();
    this.#total = ack.total;
    this.#acknowledged += 1;
  }
}

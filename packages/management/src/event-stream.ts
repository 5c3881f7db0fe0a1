import type { ServerResponse } from 'node:http';
import type { CancelTimer, TimerScheduler, Unsubscribe } from '@rpcnet/base';
import type { EventLog } from './event-log.js';
import type { ManagementEvent } from './management-api.js';

/**
 * One Server-Sent Events response: replays stored events after `afterSeq`, then sends each new
 * one as `event: membership|registry`, `id: <seq>`, `data: <json>`, with a comment line as
 * heartbeat while idle.
 */
export class EventStream {
  readonly #response: ServerResponse;
  readonly #unsubscribe: Unsubscribe;
  readonly #timers: TimerScheduler;
  readonly #heartbeatMs: number;
  #cancelHeartbeat: CancelTimer;
  #closed = false;

  constructor(
    response: ServerResponse,
    log: EventLog,
    afterSeq: number,
    timers: TimerScheduler,
    heartbeatMs: number,
    onClose: () => void,
  ) {
    this.#response = response;
    this.#timers = timers;
    this.#heartbeatMs = heartbeatMs;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    // Tells EventSource clients how long to wait before reconnecting.
    response.write('retry: 2000\n\n');
    for (const event of log.since(afterSeq)) this.#send(event);
    this.#unsubscribe = log.subscribe((event) => this.#send(event));
    this.#cancelHeartbeat = this.#scheduleHeartbeat();
    response.on('close', () => {
      this.close();
      onClose();
    });
  }

  /** Ends the response and stops listening; harmless when already closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#cancelHeartbeat();
    this.#response.end();
  }

  #send(event: ManagementEvent): void {
    if (this.#closed) return;
    this.#response.write(
      `id: ${event.seq}\nevent: ${event.source}\ndata: ${JSON.stringify(event)}\n\n`,
    );
  }

  #scheduleHeartbeat(): CancelTimer {
    return this.#timers.setTimer(this.#heartbeatMs, () => {
      if (this.#closed) return;
      this.#response.write(': heartbeat\n\n');
      this.#cancelHeartbeat = this.#scheduleHeartbeat();
    });
  }
}

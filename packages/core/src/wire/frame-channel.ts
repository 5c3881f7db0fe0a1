import type { CancelTimer, Logger, WallClock } from '@rpcnet/base';
import { ErrorCode, type ProtocolError, RpcError } from '../errors.js';
import type { RpcLimits } from '../limits.js';
import type { TransportConnection } from '../transport.js';
import { CoalescingWriter } from './coalescing-writer.js';
import type { EnvelopeCodec } from './envelopes.js';
import { type Frame, FrameFlag, FrameType } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';

/** What a {@link FrameChannel} reports to the server or client that owns it. */
export interface FrameChannelHandler {
  /** Every decoded frame except PING, which the channel answers itself. */
  onFrame(frame: Frame): void;
  /** A malformed, oversized or truncated frame (the owner counts it). */
  onProtocolError(error: ProtocolError): void;
  /** The connection is gone; called once. */
  onClose(error?: Error): void;
}

/** Dependencies of a {@link FrameChannel}. */
export interface FrameChannelOptions {
  limits: RpcLimits;
  clock: WallClock;
  logger: Logger;
}

/**
 * One transport connection seen as frames: decodes inbound bytes, coalesces outbound frames
 * into one write per event-loop turn, and runs keep-alive pings and the idle timeout.
 */
export class FrameChannel {
  readonly connection: TransportConnection;
  readonly #handler: FrameChannelHandler;
  readonly #decoder: FrameDecoder;
  readonly #writer: CoalescingWriter;
  readonly #clock: WallClock;
  readonly #logger: Logger;
  readonly #keepAliveIntervalMs: number;
  readonly #idleTimeoutMs: number;
  #lastReceivedAt: number;
  #cancelKeepAlive: CancelTimer | undefined;
  #closed = false;

  constructor(
    connection: TransportConnection,
    handler: FrameChannelHandler,
    options: FrameChannelOptions,
  ) {
    this.connection = connection;
    this.#handler = handler;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#keepAliveIntervalMs = options.limits.keepAliveIntervalMs;
    this.#idleTimeoutMs = options.limits.idleTimeoutMs;
    this.#lastReceivedAt = options.clock.now();
    this.#decoder = new FrameDecoder(options.limits.maxFrameBytes, {
      onFrame: (frame) => this.#onFrame(frame),
      onProtocolError: (error) => handler.onProtocolError(error),
    });
    this.#writer = new CoalescingWriter(
      (data) => connection.write(data),
      (error) => this.#terminate(error),
      { highWaterBytes: options.limits.writeHighWaterBytes },
    );
  }

  /** True once the connection closed (either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The remote peer's address. */
  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  /** Batch sequence the next frame joins (see {@link CoalescingWriter.nextBatch}). */
  get nextBatch(): number {
    return this.#writer.nextBatch;
  }

  /** Batches handed to the transport so far. */
  get batchesWritten(): number {
    return this.#writer.batchesWritten;
  }

  /** Starts receiving and the keep-alive timer. */
  start(): void {
    this.connection.start({
      onData: (chunk) => {
        if (this.#closed) return;
        this.#lastReceivedAt = this.#clock.now();
        this.#decoder.push(chunk);
      },
      onClose: (error) => this.#terminate(error),
    });
    this.#armKeepAlive();
  }

  /** Queues a frame with a raw payload. */
  send(type: FrameType, flags: number, callId: number, payload: Uint8Array): void {
    if (!this.#closed) this.#writer.enqueue(type, flags, callId, payload);
  }

  /** Queues a control frame whose body is a protobuf envelope. */
  sendEnvelope<T>(
    type: FrameType,
    callId: number,
    codec: EnvelopeCodec<T>,
    body: Partial<T>,
  ): void {
    if (!this.#closed) this.#writer.enqueue(type, 0, callId, codec.encode(body));
  }

  /** True when {@link writable} would wait (checked first, so the common case costs no promise). */
  get writeBlocked(): boolean {
    return this.#writer.blocked;
  }

  /** Resolves when outgoing buffers are below the high-water mark. */
  writable(): Promise<void> {
    return this.#writer.writable();
  }

  /** Flushes what is queued, then closes the connection (abruptly when `error` is given). */
  async close(error?: Error): Promise<void> {
    if (this.#closed) return;
    if (error === undefined) await this.#writer.idle();
    if (this.#closed) return;
    try {
      await this.connection.close(error);
    } catch (closeError) {
      this.#logger.debug('rpc connection close failed', { error: String(closeError) });
    }
    this.#terminate(error);
  }

  #onFrame(frame: Frame): void {
    if (frame.type === FrameType.PING) {
      if ((frame.flags & FrameFlag.ACK) === 0) {
        this.send(FrameType.PING, FrameFlag.ACK, 0, frame.payload.slice());
      }
      return;
    }
    try {
      this.#handler.onFrame(frame);
    } catch (error) {
      this.#logger.error('rpc frame handler failed', { error: String(error) });
    }
  }

  #armKeepAlive(): void {
    const intervals = [this.#keepAliveIntervalMs, this.#idleTimeoutMs].filter((ms) => ms > 0);
    if (intervals.length === 0 || this.#closed) return;
    const tick = Math.max(1, Math.min(...intervals));
    this.#cancelKeepAlive = this.#clock.setTimer(tick, () => {
      const quietFor = this.#clock.now() - this.#lastReceivedAt;
      if (this.#idleTimeoutMs > 0 && quietFor >= this.#idleTimeoutMs) {
        this.#logger.warn('rpc peer idle; closing connection', {
          peer: this.remoteAddress,
          quietForMs: quietFor,
        });
        void this.close(new RpcError(ErrorCode.UNAVAILABLE, `peer idle for ${quietFor} ms`));
        return;
      }
      if (this.#keepAliveIntervalMs > 0 && quietFor >= this.#keepAliveIntervalMs) {
        this.send(FrameType.PING, 0, 0, new Uint8Array(8));
      }
      this.#armKeepAlive();
    });
  }

  #terminate(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelKeepAlive?.();
    this.#writer.fail(error ?? new RpcError(ErrorCode.UNAVAILABLE, 'connection closed'));
    this.#decoder.finish();
    this.#handler.onClose(error);
    // A write failure leaves the transport open; make sure it is released.
    this.connection.close(error).catch(() => undefined);
  }
}

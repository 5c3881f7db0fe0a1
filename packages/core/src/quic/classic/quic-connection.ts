import { errors, events, type QUICConnection, type QUICStream } from '@matrixai/quic';
import type { Logger } from '@rpcnet/base';
import type { ChannelReceiver, TransportConnection } from '../../transport.js';
import { CloseCode } from '../close-code.js';
import { QuicTransportError } from '../errors.js';
import { BurstReader } from './burst-reader.js';

/** The name of @matrixai/events' error event: listening to it stops the library rethrowing. */
export const LIBRARY_ERROR_EVENT = 'EventError';

/** What a {@link QuicTransportConnection} needs from the side (client or server) that made it. */
export interface QuicConnectionParts {
  readonly connection: QUICConnection;
  readonly stream: QUICStream;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Bytes read past the transport hello, delivered first. */
  readonly initialData: Uint8Array;
  /** Stops the QUIC connection (and, for a client, its socket) with an application code. */
  readonly stop: (code: number) => Promise<void>;
  readonly remoteAddress: string;
  readonly logger: Logger;
  readonly closeTimeoutMs: number;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may drop a write promise; its rejection must never become an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

type State = 'open' | 'closing' | 'closed';

/** Maps a @matrixai/quic connection error to a transport error. */
export function toTransportError(error: unknown): QuicTransportError {
  if (error instanceof QuicTransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.ErrorQUICConnectionIdleTimeout) {
    return new QuicTransportError('idle-timeout', 'peer unresponsive: idle timeout', {
      cause: error,
    });
  }
  if (
    error instanceof errors.ErrorQUICConnectionPeerTLS ||
    error instanceof errors.ErrorQUICConnectionLocalTLS
  ) {
    return new QuicTransportError('tls', `TLS handshake failed: ${message}`, { cause: error });
  }
  if (error instanceof errors.ErrorQUICConnectionPeer) {
    return new QuicTransportError('peer-closed', `peer closed the connection: ${message}`, {
      cause: error,
    });
  }
  if (error instanceof errors.ErrorQUICConnectionLocal) {
    return new QuicTransportError('local-closed', `connection closed locally: ${message}`, {
      cause: error,
    });
  }
  return new QuicTransportError('peer-closed', `connection failed: ${message}`, { cause: error });
}

function isGracefulClose(error: unknown): boolean {
  return (
    (error instanceof errors.ErrorQUICConnectionPeer ||
      error instanceof errors.ErrorQUICConnectionLocal) &&
    error.data.isApp &&
    error.data.errorCode === CloseCode.GRACEFUL
  );
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * One QUIC connection carrying one long-lived bidirectional stream, as an ordered byte channel.
 * Writes queued while another is in flight leave together in one stream write (fewer packets).
 */
export class QuicTransportConnection implements TransportConnection {
  readonly remoteAddress: string;
  private readonly parts: QuicConnectionParts;
  private state: State = 'open';
  private receiver: ChannelReceiver | undefined;
  private pendingChunks: Uint8Array[] = [];
  private pendingWrite: Deferred | undefined;
  private pumping = false;
  private idle: Deferred | undefined;
  private peerFinished = false;
  private readonly peerFinishedSignal = deferred();
  private connectionEnded: Error | 'graceful' | undefined;
  private readonly connectionEndedSignal = deferred();
  private closeError: Error | undefined;
  private stopped: Promise<void> | undefined;
  private readonly closedSignal = deferred();

  constructor(parts: QuicConnectionParts) {
    this.parts = parts;
    this.remoteAddress = parts.remoteAddress;
    parts.connection.addEventListener(events.EventQUICConnectionError.name, this.onConnectionError);
    parts.connection.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
    parts.stream.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
  }

  /** Resolves once the connection is fully closed and its QUIC resources are released. */
  get closed(): Promise<void> {
    return this.closedSignal.promise;
  }

  start(receiver: ChannelReceiver): void {
    if (this.receiver !== undefined) throw new Error('TransportConnection.start called twice');
    this.receiver = receiver;
    if (this.state === 'closed') {
      queueMicrotask(() => receiver.onClose(this.closeError));
      return;
    }
    const initial = this.parts.initialData;
    if (initial.length > 0) queueMicrotask(() => this.deliver(initial));
    void this.readLoop();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(
        this.closeError ?? new QuicTransportError('closed', 'connection is closed'),
      );
    }
    if (data.length === 0) return Promise.resolve();
    this.pendingChunks.push(data);
    this.pendingWrite ??= deferred();
    if (!this.pumping) {
      this.pumping = true;
      // Starting on a microtask lets writes issued together (synchronously) share one stream write.
      queueMicrotask(() => void this.pump());
    }
    return this.pendingWrite.promise;
  }

  async close(error?: Error): Promise<void> {
    if (error !== undefined) {
      this.finish(error, CloseCode.ABORTED);
    } else if (this.state === 'open') {
      await this.closeGracefully(true);
    }
    await this.closedSignal.promise;
  }

  private async pump(): Promise<void> {
    while (this.pendingChunks.length > 0) {
      const chunks = this.pendingChunks;
      const batch = this.pendingWrite;
      this.pendingChunks = [];
      this.pendingWrite = undefined;
      try {
        await this.parts.writer.write(chunks.length === 1 ? chunks[0]! : concat(chunks));
        batch?.resolve();
      } catch (cause) {
        const error =
          this.closeError ??
          new QuicTransportError('peer-closed', 'write failed: stream closed', { cause });
        batch?.reject(error);
        this.finish(error, CloseCode.ABORTED);
        break;
      }
    }
    this.pumping = false;
    this.idle?.resolve();
    this.idle = undefined;
  }

  /** Resolves once every accepted write has been handed to QUIC. */
  private async drainWrites(): Promise<void> {
    if (!this.pumping) return;
    this.idle ??= deferred();
    await this.idle.promise;
  }

  private deliver(chunk: Uint8Array): void {
    try {
      this.receiver?.onData(chunk);
    } catch (cause) {
      this.parts.logger.error('quic transport: receiver threw in onData', {
        remote: this.remoteAddress,
        error: String(cause),
      });
      this.finish(
        new QuicTransportError('local-closed', 'receiver failed', { cause }),
        CloseCode.ABORTED,
      );
    }
  }

  private async readLoop(): Promise<void> {
    const bursts = new BurstReader(this.parts.reader);
    try {
      for (;;) {
        const chunks = await bursts.next();
        if (chunks === undefined) break;
        for (const chunk of chunks) {
          if (this.state === 'closed') return;
          this.deliver(chunk);
        }
      }
    } catch (cause) {
      if (this.state !== 'closed') {
        this.finish(
          this.connectionError() ??
            new QuicTransportError('peer-closed', 'stream reset by peer', { cause }),
          CloseCode.ABORTED,
        );
      }
      return;
    }
    this.peerFinished = true;
    this.peerFinishedSignal.resolve();
    if (this.state === 'open') await this.closeGracefully(false);
  }

  /**
   * Graceful close: flush, send FIN, then wait (bounded) for the other side. The side that
   * starts it stops the connection once the peer's FIN arrives (so the peer has read
   * everything); the answering side waits for that stop.
   */
  private async closeGracefully(initiator: boolean): Promise<void> {
    this.state = 'closing';
    await this.drainWrites();
    try {
      await this.parts.writer.close();
    } catch {
      // The stream already failed; `finish` below reports how.
    }
    const awaited = initiator
      ? Promise.race([this.peerFinishedSignal.promise, this.connectionEndedSignal.promise])
      : this.connectionEndedSignal.promise;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.parts.closeTimeoutMs);
    });
    await Promise.race([awaited, timedOut]);
    clearTimeout(timer);
    const ended = this.connectionEnded;
    this.finish(
      ended instanceof Error && !this.peerFinished ? ended : undefined,
      CloseCode.GRACEFUL,
    );
  }

  private connectionError(): Error | undefined {
    return this.connectionEnded instanceof Error ? this.connectionEnded : undefined;
  }

  /** Ends the connection once: rejects pending writes, stops QUIC, tells the receiver. */
  private finish(error: Error | undefined, code: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeError = error;
    const pendingError = error ?? new QuicTransportError('closed', 'connection is closed');
    this.pendingWrite?.reject(pendingError);
    this.pendingWrite = undefined;
    this.pendingChunks = [];
    this.idle?.resolve();
    this.stopped = this.stopConnection(error === undefined ? CloseCode.GRACEFUL : code);
    if (this.receiver !== undefined) {
      const receiver = this.receiver;
      try {
        receiver.onClose(error);
      } catch (cause) {
        this.parts.logger.error('quic transport: receiver threw in onClose', {
          error: String(cause),
        });
      }
    }
    void this.stopped.then(() => this.closedSignal.resolve());
  }

  private async stopConnection(code: number): Promise<void> {
    const { reader, writer, stream } = this.parts;
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
    try {
      if (!stream.closed) await stream.destroy({ force: true });
    } catch {
      // Destroying a stream that the library already tore down is harmless.
    }
    try {
      await this.parts.stop(code);
    } catch (cause) {
      this.parts.logger.debug('quic transport: stop failed', { error: String(cause) });
    }
    this.parts.connection.removeEventListener(
      events.EventQUICConnectionError.name,
      this.onConnectionError,
    );
  }

  private readonly onConnectionError = (event: Event): void => {
    const detail = event instanceof events.EventQUICConnectionError ? event.detail : undefined;
    if (this.connectionEnded !== undefined) return;
    this.connectionEnded = isGracefulClose(detail) ? 'graceful' : toTransportError(detail);
    this.connectionEndedSignal.resolve();
    if (this.state === 'open') {
      this.finish(
        this.connectionEnded === 'graceful'
          ? new QuicTransportError('peer-closed', 'peer closed the connection before its stream')
          : this.connectionEnded,
        CloseCode.ABORTED,
      );
    }
  };

  private readonly onLibraryError = (event: Event): void => {
    const detail = 'detail' in event ? event.detail : undefined;
    this.parts.logger.error('quic transport: library error', {
      remote: this.remoteAddress,
      error: detail instanceof Error ? detail.message : String(detail),
    });
    this.finish(
      new QuicTransportError('local-closed', 'QUIC library failure', { cause: detail }),
      CloseCode.ABORTED,
    );
  };
}

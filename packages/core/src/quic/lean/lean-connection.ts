import { performance } from 'node:perf_hooks';
import type { Logger } from '@rpcnet/base';
import { type Deferred, deferred } from '../../call/deferred.js';
import type {
  ChannelReceiver,
  TransportConnection,
  TransportConnectionStats,
} from '../../transport.js';
import { CloseCode } from '../close-code.js';
import { QuicTransportError } from '../errors.js';
import { TRANSPORT_HELLO } from '../hello.js';
import { describeTlsAlert } from '../tls-alerts.js';
import { closeCause } from './close-cause.js';
import type { DatagramSender } from './datagram-sender.js';
import { type QuicheConnection, type QuicheRecvInfo, quiche } from './quiche.js';

/** The one bidirectional stream of a connection: the client's first. */
const STREAM = 0;
const EMPTY = new Uint8Array(0);
const RESOLVED: Promise<void> = Promise.resolve();

/** Stream bytes are read here and copied out: the receiver may keep what it is given. */
let readScratch = Buffer.allocUnsafe(64 * 1024);

type Phase = 'handshake' | 'hello' | 'open' | 'closing' | 'closed';

/** What the endpoint that made a connection learns about it. */
export interface LeanConnectionOwner {
  /** The transport hello was exchanged: the connection is ready for the RPC layer. */
  onReady(connection: LeanConnection): void;
  /** The connection ended before it was ready (handshake, TLS, hello, timeout). */
  onFailed(connection: LeanConnection, error: QuicTransportError): void;
  /**
   * The connection has ended for its user; quiche drains it a little longer (3 PTOs) and must
   * not keep the process alive for that.
   */
  onEnded?(connection: LeanConnection): void;
  /** quiche's connection is gone for good: forget it (routing, socket). */
  onTerminated(connection: LeanConnection): void;
}

/** Everything a {@link LeanConnection} is made of. */
export interface LeanConnectionParts {
  readonly native: QuicheConnection;
  readonly role: 'client' | 'server';
  readonly sender: DatagramSender;
  /** Reused for every datagram: quiche parses its addresses on each `recv`. */
  readonly recvInfo: QuicheRecvInfo;
  readonly remoteAddress: string;
  /** Client connecting to an IP literal with verification on: the chain check done in JS. */
  readonly verifyServer?: (chainDer: Uint8Array[]) => number | undefined;
  readonly keepAliveIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly readChunkSize: number;
  readonly logger: Logger;
  readonly owner: LeanConnectionOwner;
}

interface PendingWrite {
  data: Uint8Array;
  readonly done: Deferred<void>;
}

/**
 * One QUIC connection driven directly over quiche, carrying one long-lived bidirectional stream
 * as an ordered byte channel. Per event-loop turn: each datagram is fed to quiche and what it
 * completes is delivered at once (poll phase); then, in the check phase after the RPC layer has
 * written its replies, every pending packet leaves in one flush, so ACKs ride along with
 * replies. No locks, events or promises per packet; one timer, re-armed only when quiche's
 * deadline moves earlier.
 */
export class LeanConnection implements TransportConnection {
  readonly remoteAddress: string;
  readonly #parts: LeanConnectionParts;
  readonly #native: QuicheConnection;
  #phase: Phase = 'handshake';
  #ready = false;
  #receiver: ChannelReceiver | undefined;
  /** Bytes that arrived before `start()` or are waiting to be delivered in order. */
  #early: Uint8Array[] = [];
  #earlyScheduled = false;
  #helloBytes: Uint8Array = EMPTY;
  #writes: PendingWrite[] = [];
  #writesIdle: Deferred<void> | undefined;
  #flushImmediate: NodeJS.Immediate | undefined;
  /** Datagrams were fed since the last progress check; one runs after the socket's batch. */
  #progressQueued = false;
  /** Stream data was delivered since the last flush: a reply may be on its way. */
  #deliveredSinceFlush = false;
  /** Stream data was handed to quiche since the last flush. */
  #wroteSinceFlush = false;
  /** This flush already waited one turn for a reply to carry its ACK. */
  #ackDeferred = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #lastSendAt = performance.now();
  #peerFinished = false;
  readonly #peerFinishedSignal = deferred<void>();
  #nativeEnded: QuicTransportError | 'graceful' | undefined;
  readonly #nativeEndedSignal = deferred<void>();
  #closeError: Error | undefined;
  readonly #closed = deferred<void>();
  #terminated = false;
  readonly #terminatedSignal = deferred<void>();
  #terminateTimer: NodeJS.Timeout | undefined;

  constructor(parts: LeanConnectionParts) {
    this.#parts = parts;
    this.#native = parts.native;
    this.remoteAddress = parts.remoteAddress;
    if (readScratch.length < parts.readChunkSize)
      readScratch = Buffer.allocUnsafe(parts.readChunkSize);
  }

  /** Resolves once the connection has ended (gracefully or not) and the receiver was told. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Resolves once quiche has released the connection (after draining). */
  get terminated(): Promise<void> {
    return this.#terminatedSignal.promise;
  }

  /**
   * Feeds one datagram to quiche. What the socket's batch completed is delivered once the batch
   * is fed (a microtask: still in the poll phase, after the socket's callback), so a batch of
   * packets is read from the stream in one go rather than one packet at a time. The flush then
   * moves behind whatever the receiver scheduled: replies written in this turn's check phase
   * leave in the same flush as the ACKs.
   */
  receive(datagram: Uint8Array, from?: { address: string; port: number }): void {
    if (this.#terminated) return;
    if (from !== undefined) {
      const peer = this.#parts.recvInfo.from;
      peer.host = from.address;
      peer.port = from.port;
    }
    try {
      this.#native.recv(datagram, this.#parts.recvInfo);
    } catch {
      // quiche has closed the connection with a local error (e.g. TlsFail); #progress reports it.
    }
    if (!this.#progressQueued) {
      this.#progressQueued = true;
      queueMicrotask(this.#afterReceive);
    }
  }

  readonly #afterReceive = (): void => {
    this.#progressQueued = false;
    if (this.#terminated) return;
    if (this.#progress()) {
      this.#deliveredSinceFlush = true;
      if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
      this.#flushImmediate = setImmediate(this.#flush);
    } else {
      this.#scheduleFlush();
    }
  };

  /** Sends the first flight (client) or whatever is pending now. */
  kick(): void {
    this.#flush();
  }

  start(receiver: ChannelReceiver): void {
    if (this.#receiver !== undefined) throw new Error('TransportConnection.start called twice');
    this.#receiver = receiver;
    if (this.#phase === 'closed') {
      queueMicrotask(() => receiver.onClose(this.#closeError));
      return;
    }
    if (this.#early.length > 0) this.#scheduleEarly();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#phase !== 'open') {
      return Promise.reject(
        this.#closeError ?? new QuicTransportError('closed', 'connection is closed'),
      );
    }
    if (data.length === 0) return RESOLVED;
    let rest = data;
    if (this.#writes.length === 0) {
      const accepted = this.#streamSend(data, false);
      if (accepted < 0) return Promise.reject(this.#closeError);
      this.#scheduleFlush();
      if (accepted === data.length) return RESOLVED;
      rest = data.subarray(accepted);
    }
    const done = deferred<void>();
    this.#writes.push({ data: rest, done });
    this.#scheduleFlush();
    return done.promise;
  }

  async close(error?: Error): Promise<void> {
    if (error !== undefined) {
      this.#finish(error, CloseCode.ABORTED);
    } else if (this.#phase === 'open') {
      await this.#closeGracefully(true);
    } else if (this.#phase !== 'closing' && this.#phase !== 'closed') {
      this.#finish(
        new QuicTransportError('closed', 'closed before it was ready'),
        CloseCode.ABORTED,
      );
    }
    await this.#closed.promise;
  }

  /** Ends the connection with `error` at once (handshake timeouts, listener shutdown). */
  abort(error: QuicTransportError, code: number = CloseCode.ABORTED): void {
    this.#finish(error, code);
  }

  /** The socket reported that nothing listens at the peer's port: no point waiting. */
  peerUnreachable(): void {
    if (this.#phase === 'closed') return;
    this.#finish(
      new QuicTransportError(
        this.#ready ? 'peer-closed' : 'connect',
        'peer unreachable: nothing listens on its port',
      ),
      CloseCode.ABORTED,
    );
    this.#terminate();
  }

  /** Stops at once without waiting for quiche's draining period (listener shutdown). */
  terminateNow(): void {
    if (this.#phase !== 'closed') {
      this.#finish(new QuicTransportError('closed', 'connection is closed'), CloseCode.ABORTED);
    }
    this.#flush();
    this.#terminate();
  }

  stats(): TransportConnectionStats {
    const stats = this.#native.stats();
    const path = this.#native.pathStats()[0];
    return {
      rttMs: path === undefined ? undefined : path.rtt,
      congestionWindowBytes: path?.cwnd,
      packetsSent: stats.sent,
      packetsReceived: stats.recv,
      packetsLost: stats.lost,
      bytesSent: stats.sentBytes,
      bytesReceived: stats.recvBytes,
    };
  }

  /** Moves the state machine on after input: handshake, stream data, close. True if data came. */
  #progress(): boolean {
    const native = this.#native;
    let delivered = false;
    if (this.#phase === 'handshake' && native.isEstablished()) this.#onEstablished();
    if (
      (this.#phase === 'hello' || this.#phase === 'open' || this.#phase === 'closing') &&
      native.streamReadable(STREAM)
    ) {
      delivered = true;
      this.#readStream();
    }
    if (this.#phase !== 'closed' && native.isReadable()) this.#refuseOtherStreams();
    if (this.#nativeEnded === undefined && (native.isDraining() || native.isClosed())) {
      this.#onNativeEnded();
    }
    return delivered;
  }

  #onEstablished(): void {
    const verify = this.#parts.verifyServer;
    if (verify !== undefined) {
      const alert = verify(this.#native.peerCertChain() ?? []);
      if (alert !== undefined) {
        try {
          this.#native.close(false, alert, EMPTY);
        } catch {
          // Already closing.
        }
        this.#finish(
          new QuicTransportError(
            'tls',
            `TLS handshake failed: we refused the server's certificate: ${describeTlsAlert(alert - 0x100)}`,
          ),
          CloseCode.ABORTED,
        );
        return;
      }
    }
    this.#phase = 'hello';
    // The client's hello makes the stream exist on the server; the server answers once it has
    // read it (and mutual TLS has passed).
    if (this.#parts.role === 'client') this.#streamSend(TRANSPORT_HELLO, false);
  }

  #readStream(): void {
    const native = this.#native;
    for (;;) {
      let result: [number, boolean] | null;
      try {
        result = native.streamRecv(STREAM, readScratch);
      } catch (cause) {
        this.#finish(
          new QuicTransportError('peer-closed', 'stream reset by peer', { cause }),
          CloseCode.ABORTED,
        );
        return;
      }
      if (result === null) return;
      const [length, fin] = result;
      if (length === readScratch.length) {
        // A full read (bulk): hand over the buffer itself and read on into a new one.
        const full = readScratch;
        readScratch = Buffer.allocUnsafe(full.length);
        this.#onBytes(full);
      } else if (length > 0) {
        this.#onBytes(Buffer.from(readScratch.subarray(0, length)));
      }
      if (fin) {
        this.#onPeerFinished();
        return;
      }
      if (this.#phase === 'closed') return;
    }
  }

  #onBytes(chunk: Uint8Array): void {
    if (this.#phase !== 'hello') {
      this.#deliver(chunk);
      return;
    }
    const needed = TRANSPORT_HELLO.length - this.#helloBytes.length;
    const joined = Buffer.concat([this.#helloBytes, chunk.subarray(0, needed)]);
    this.#helloBytes = joined;
    if (joined.length < TRANSPORT_HELLO.length) return;
    if (!joined.equals(TRANSPORT_HELLO)) {
      this.#parts.logger.warn('quic transport: rejected connection without a valid hello', {
        remote: this.remoteAddress,
      });
      this.#finish(
        new QuicTransportError('protocol', 'peer did not send the rpcnet transport hello'),
        CloseCode.PROTOCOL,
      );
      return;
    }
    if (this.#parts.role === 'server') this.#streamSend(TRANSPORT_HELLO, false);
    this.#phase = 'open';
    this.#ready = true;
    this.#parts.owner.onReady(this);
    if (chunk.length > needed) this.#deliver(chunk.subarray(needed));
  }

  #deliver(chunk: Uint8Array): void {
    if (this.#receiver === undefined || this.#early.length > 0) {
      this.#early.push(chunk);
      if (this.#receiver !== undefined) this.#scheduleEarly();
      return;
    }
    this.#hand(chunk);
  }

  #scheduleEarly(): void {
    if (this.#earlyScheduled) return;
    this.#earlyScheduled = true;
    queueMicrotask(() => {
      this.#earlyScheduled = false;
      const chunks = this.#early;
      this.#early = [];
      for (const chunk of chunks) {
        if (this.#phase === 'closed') return;
        this.#hand(chunk);
      }
    });
  }

  #hand(chunk: Uint8Array): void {
    try {
      this.#receiver?.onData(chunk);
    } catch (cause) {
      this.#parts.logger.error('quic transport: receiver threw in onData', {
        remote: this.remoteAddress,
        error: String(cause),
      });
      this.#finish(
        new QuicTransportError('local-closed', 'receiver failed', { cause }),
        CloseCode.ABORTED,
      );
    }
  }

  #onPeerFinished(): void {
    this.#peerFinished = true;
    this.#peerFinishedSignal.resolve();
    if (this.#phase === 'hello') {
      this.#finish(
        new QuicTransportError('protocol', 'stream ended before the transport hello'),
        CloseCode.PROTOCOL,
      );
    } else if (this.#phase === 'open') {
      void this.#closeGracefully(false);
    }
  }

  /** One stream per connection: any other stream the peer opens is refused. */
  #refuseOtherStreams(): void {
    for (const id of this.#native.readable()) {
      if (id === STREAM) continue;
      try {
        this.#native.streamShutdown(id, quiche.Shutdown.Read, CloseCode.PROTOCOL);
      } catch {
        // Already gone.
      }
    }
  }

  #onNativeEnded(): void {
    const cause = closeCause(this.#native);
    this.#nativeEnded = cause;
    this.#nativeEndedSignal.resolve();
    if (this.#phase === 'closing' || this.#phase === 'closed') return;
    this.#finish(
      cause === 'graceful'
        ? new QuicTransportError('peer-closed', 'peer closed the connection before its stream')
        : cause,
      CloseCode.ABORTED,
    );
  }

  /**
   * Graceful close: flush, send FIN, then wait (bounded) for the other side. The side that
   * starts it closes the connection once the peer's FIN arrives (so the peer has read
   * everything); the answering side waits for that close.
   */
  async #closeGracefully(initiator: boolean): Promise<void> {
    this.#phase = 'closing';
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#parts.closeTimeoutMs);
    });
    if (this.#writes.length > 0) {
      this.#writesIdle ??= deferred<void>();
      await Promise.race([this.#writesIdle.promise, this.#nativeEndedSignal.promise, timedOut]);
    }
    if (this.#nativeEnded === undefined) {
      this.#streamSend(EMPTY, true);
      this.#scheduleFlush();
    }
    const awaited = initiator
      ? Promise.race([this.#peerFinishedSignal.promise, this.#nativeEndedSignal.promise])
      : this.#nativeEndedSignal.promise;
    await Promise.race([awaited, timedOut]);
    clearTimeout(timer);
    const ended = this.#nativeEnded;
    this.#finish(
      ended instanceof QuicTransportError && !this.#peerFinished ? ended : undefined,
      CloseCode.GRACEFUL,
    );
  }

  /** Ends the connection once: rejects pending writes, closes QUIC, tells the receiver. */
  #finish(error: Error | undefined, code: number): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#closeError = error;
    const pendingError = error ?? new QuicTransportError('closed', 'connection is closed');
    for (const write of this.#writes) write.done.reject(pendingError);
    this.#writes = [];
    this.#writesIdle?.resolve();
    if (this.#nativeEnded === undefined) {
      try {
        this.#native.close(true, error === undefined ? CloseCode.GRACEFUL : code, EMPTY);
      } catch {
        // Already closing.
      }
    }
    this.#scheduleFlush();
    // quiche drains for 3 PTOs before it reports closed; bound it in case the timer is late.
    this.#terminateTimer = setTimeout(() => this.#terminate(), this.#parts.closeTimeoutMs);
    this.#terminateTimer.unref();
    this.#timer?.unref();
    this.#parts.owner.onEnded?.(this);
    if (!this.#ready) {
      this.#parts.owner.onFailed(
        this,
        error instanceof QuicTransportError
          ? error
          : new QuicTransportError('closed', 'connection closed before it was ready'),
      );
    }
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#early = [];
      try {
        receiver.onClose(error);
      } catch (cause) {
        this.#parts.logger.error('quic transport: receiver threw in onClose', {
          error: String(cause),
        });
      }
    }
    this.#closed.resolve();
  }

  #terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#terminateTimer);
    this.#timer = undefined;
    this.#parts.owner.onTerminated(this);
    this.#terminatedSignal.resolve();
  }

  /** quiche's `streamSend`; returns the bytes accepted, or -1 after failing the connection. */
  #streamSend(data: Uint8Array, fin: boolean): number {
    this.#wroteSinceFlush = true;
    try {
      return this.#native.streamSend(STREAM, data, fin) ?? 0;
    } catch (cause) {
      this.#finish(
        new QuicTransportError('peer-closed', 'write failed: stream closed', { cause }),
        CloseCode.ABORTED,
      );
      return -1;
    }
  }

  /** Hands queued bytes to quiche as flow and congestion control allow. */
  #pumpWrites(): void {
    while (this.#writes.length > 0) {
      const head = this.#writes[0]!;
      const accepted = this.#streamSend(head.data, false);
      if (accepted < 0) return;
      if (accepted < head.data.length) {
        head.data = head.data.subarray(accepted);
        return;
      }
      this.#writes.shift();
      head.done.resolve();
    }
    this.#writesIdle?.resolve();
    this.#writesIdle = undefined;
  }

  #scheduleFlush(): void {
    if (this.#flushImmediate !== undefined || this.#terminated) return;
    this.#flushImmediate = setImmediate(this.#flush);
  }

  /** Sends everything quiche has ready and re-arms the timer. */
  readonly #flush = (): void => {
    if (this.#flushImmediate !== undefined) {
      clearImmediate(this.#flushImmediate);
      this.#flushImmediate = undefined;
    }
    if (this.#terminated) return;
    if (
      this.#deliveredSinceFlush &&
      !this.#wroteSinceFlush &&
      !this.#ackDeferred &&
      this.#phase === 'open'
    ) {
      // Only an ACK to send: wait one turn for the reply (the RPC layer writes it from its own
      // setImmediate, or later from a promise), so both leave in one packet.
      this.#ackDeferred = true;
      this.#flushImmediate = setImmediate(this.#flush);
      return;
    }
    this.#deliveredSinceFlush = false;
    this.#wroteSinceFlush = false;
    this.#ackDeferred = false;
    if (this.#writes.length > 0 && this.#phase !== 'closed') this.#pumpWrites();
    let packets = 0;
    try {
      packets = this.#parts.sender.drain(this.#native);
    } catch (cause) {
      this.#parts.logger.debug('quic transport: send failed', { error: String(cause) });
      this.#finish(
        new QuicTransportError('local-closed', 'send failed', { cause }),
        CloseCode.ABORTED,
      );
    }
    if (this.#native.isClosed()) {
      if (this.#nativeEnded === undefined) this.#onNativeEnded();
      this.#terminate();
      return;
    }
    const now = performance.now();
    if (packets > 0) this.#lastSendAt = now;
    this.#armTimer(now);
  };

  #armTimer(now: number): void {
    const timeout = this.#native.timeout();
    // quiche reports whole milliseconds rounded down: wake a millisecond later.
    let delay = timeout === null ? Number.POSITIVE_INFINITY : timeout + 1;
    if (this.#phase === 'hello' || this.#phase === 'open' || this.#phase === 'closing') {
      delay = Math.min(delay, this.#lastSendAt + this.#parts.keepAliveIntervalMs - now);
    }
    if (delay === Number.POSITIVE_INFINITY) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    delay = Math.max(0, delay);
    const at = now + delay;
    // An earlier timer is left alone: when it fires it finds the new deadline and re-arms.
    if (this.#timer !== undefined && this.#timerAt <= at + 1) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onTimer, delay);
    if (this.#phase === 'closed') this.#timer.unref();
    this.#timerAt = at;
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#terminated) return;
    // Early calls are harmless: quiche acts only on deadlines that have passed.
    this.#native.onTimeout();
    if (
      (this.#phase === 'open' || this.#phase === 'closing' || this.#phase === 'hello') &&
      performance.now() - this.#lastSendAt >= this.#parts.keepAliveIntervalMs - 1
    ) {
      this.#native.sendAckEliciting();
    }
    this.#progress();
    this.#flush();
  };
}

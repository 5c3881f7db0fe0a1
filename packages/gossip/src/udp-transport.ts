import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { formatHostPort, type Logger, silentLogger, tryParseHostPort } from '@rpcnet/base';
import { ClusterConfigError } from './errors.js';
import type { PacketTransport } from './transport.js';
import type { TransportDropReason } from './transport-drop.js';

/** The largest payload a UDP/IPv4 datagram can carry. */
const MAX_UDP_PAYLOAD = 65_507;
/** Longest `close()` waits for queued sends to leave the socket. */
const CLOSE_DRAIN_MS = 1000;

/** Options of {@link UdpTransport.bind}. */
export interface UdpTransportOptions {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::`. */
  readonly host: string;
  /** UDP port; 0 picks a free one (read it back from `localAddress`). */
  readonly port: number;
  /** Datagrams larger than this are refused on send and dropped on receipt. Default 65,507. */
  readonly maxDatagramBytes?: number;
  readonly logger?: Logger;
}

/** Counters of one UDP transport since it was bound. */
export interface UdpTransportStats {
  readonly datagramsIn: number;
  readonly datagramsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Dropped datagrams (in and out) by reason. */
  readonly drops: Readonly<Partial<Record<TransportDropReason, number>>>;
  /** Errors the socket itself reported (ICMP unreachable on some platforms, and so on). */
  readonly socketErrors: number;
}

/** A {@link PacketTransport} over a node:dgram socket. Never throws on send; counts what fails. */
export class UdpTransport implements PacketTransport {
  readonly localAddress: string;
  readonly maxDatagramBytes: number;
  readonly #socket: Socket;
  readonly #logger: Logger;
  #handler: ((data: Uint8Array, from: string) => void) | undefined;
  #dropListener: ((reason: TransportDropReason) => void) | undefined;
  #closing: Promise<void> | undefined;
  /** Sends handed to the socket whose callback has not run yet. */
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #datagramsIn = 0;
  #datagramsOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #socketErrors = 0;
  readonly #drops: Partial<Record<TransportDropReason, number>> = {};

  private constructor(socket: Socket, maxDatagramBytes: number, logger: Logger) {
    this.#socket = socket;
    this.maxDatagramBytes = maxDatagramBytes;
    this.#logger = logger;
    const bound = socket.address();
    this.localAddress = formatHostPort(bound.address, bound.port);
    socket.on('message', (message, remote) => this.#receive(message, remote));
    socket.on('error', (error) => {
      this.#socketErrors += 1;
      this.#logger.warn('gossip udp socket error', { error: error.message });
    });
  }

  /** Binds a UDP socket and resolves once it is listening; rejects if the address is taken. */
  static bind(options: UdpTransportOptions): Promise<UdpTransport> {
    const maxDatagramBytes = options.maxDatagramBytes ?? MAX_UDP_PAYLOAD;
    if (!Number.isInteger(maxDatagramBytes) || maxDatagramBytes < 1) {
      return Promise.reject(
        new ClusterConfigError('maxDatagramBytes', 'must be a positive integer'),
      );
    }
    const socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4' });
    return new Promise<UdpTransport>((resolve, reject) => {
      const onBindError = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onBindError);
      socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
        socket.off('error', onBindError);
        resolve(new UdpTransport(socket, maxDatagramBytes, options.logger ?? silentLogger));
      });
    });
  }

  /** Registers the receiver of datagrams (replaces any earlier one). */
  onPacket(handler: (data: Uint8Array, from: string) => void): void {
    this.#handler = handler;
  }

  /** Registers a listener told about every dropped datagram, e.g. to feed protocol metrics. */
  onDrop(listener: (reason: TransportDropReason) => void): void {
    this.#dropListener = listener;
  }

  send(to: string, data: Uint8Array): void {
    if (this.#closing) {
      this.#drop('closed');
      return;
    }
    if (data.byteLength > this.maxDatagramBytes) {
      this.#drop('oversize-send');
      return;
    }
    const target = tryParseHostPort(to);
    if (!target || target.port === 0) {
      this.#drop('bad-address');
      return;
    }
    try {
      this.#inFlight += 1;
      this.#socket.send(data, target.port, target.host, (error) => {
        this.#inFlight -= 1;
        if (this.#inFlight === 0) this.#drained?.();
        if (error) {
          this.#drop('send-error');
          this.#logger.debug('gossip udp send failed', { to, error: error.message });
        }
      });
      this.#datagramsOut += 1;
      this.#bytesOut += data.byteLength;
    } catch (error) {
      this.#inFlight -= 1;
      this.#drop('send-error');
      this.#logger.debug('gossip udp send threw', { to, error: String(error) });
    }
  }

  /**
   * Stops receiving, lets datagrams already handed to the socket go out (a leave announcement is
   * sent just before closing; bounded by `CLOSE_DRAIN_MS`), then releases the socket. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CLOSE_DRAIN_MS);
          this.#drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    })();
    return this.#closing;
  }

  /** Counters since bind. */
  stats(): UdpTransportStats {
    return {
      datagramsIn: this.#datagramsIn,
      datagramsOut: this.#datagramsOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      drops: { ...this.#drops },
      socketErrors: this.#socketErrors,
    };
  }

  #receive(message: Buffer, remote: RemoteInfo): void {
    if (this.#closing) return;
    this.#datagramsIn += 1;
    this.#bytesIn += message.byteLength;
    if (message.byteLength > this.maxDatagramBytes) {
      this.#drop('oversize');
      return;
    }
    const handler = this.#handler;
    if (!handler) return;
    try {
      handler(message, formatHostPort(remote.address, remote.port));
    } catch (error) {
      // A receiver bug must not take the socket down with it.
      this.#drop('handler-error');
      this.#logger.error('gossip packet handler threw', { error: String(error) });
    }
  }

  #drop(reason: TransportDropReason): void {
    this.#drops[reason] = (this.#drops[reason] ?? 0) + 1;
    this.#dropListener?.(reason);
  }
}

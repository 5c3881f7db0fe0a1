import { formatHostPort } from '@rpcnet/base';
import type {
  HostPort,
  TransportConnection,
  TransportListener,
  TransportListenerStats,
} from '../../transport.js';
import { CloseCode } from '../close-code.js';
import type { ResolvedQuicTransportOptions } from '../config.js';
import { QuicTransportError } from '../errors.js';
import { connectionIdKey, newConnectionId, shortHeaderKey } from './connection-ids.js';
import { DatagramSender } from './datagram-sender.js';
import type { DatagramOrigin, DatagramSocket } from './datagram-socket.js';
import { LeanConnection, type LeanConnectionOwner } from './lean-connection.js';
import { CONNECTION_ID_BYTES, type QuicheConfig, type QuicheHeader, quiche } from './quiche.js';
import { udpPayloadFor } from './quiche-config.js';
import { RetryTokens } from './retry-tokens.js';
import { bindUdpSocket, closeUdpSocket } from './udp-socket.js';

/** Why a listener dropped a datagram. */
export type DroppedDatagramReason =
  /** Not a QUIC packet this driver can parse. */
  | 'malformed'
  /** A packet for a connection this listener does not have (stray, late or forged). */
  | 'unknownConnection'
  /**
   * A new connection beyond `maxConnections`, `maxConnectionsPerAddress` or
   * `maxPendingHandshakes`, or while closing.
   */
  | 'refused'
  /** An Initial whose retry token is forged, stale or from another address. */
  | 'invalidToken';

/** What a listener has seen, for diagnostics and tests. */
export interface LeanListenerCounters {
  datagramsReceived: number;
  retriesSent: number;
  versionNegotiations: number;
  connectionsAccepted: number;
  handshakesFailed: number;
  readonly dropped: Record<DroppedDatagramReason, number>;
}

/**
 * A server endpoint of the lean driver: one UDP socket, datagrams routed to connections by
 * destination connection id, new connections admitted after a stateless Retry and within caps.
 * No datagram, however malformed, can throw out of the socket handler: it is counted and dropped.
 */
export class LeanQuicListener implements TransportListener, LeanConnectionOwner {
  readonly address: HostPort;
  readonly counters: LeanListenerCounters = {
    datagramsReceived: 0,
    retriesSent: 0,
    versionNegotiations: 0,
    connectionsAccepted: 0,
    handshakesFailed: 0,
    dropped: { malformed: 0, unknownConnection: 0, refused: 0, invalidToken: 0 },
  };
  readonly #socket: DatagramSocket;
  readonly #sender: DatagramSender;
  readonly #config: QuicheConfig;
  readonly #options: ResolvedQuicTransportOptions;
  readonly #onConnection: (connection: TransportConnection) => void;
  readonly #local: { host: string; port: number };
  readonly #tokens = new RetryTokens();
  readonly #routes = new Map<number, LeanConnection>();
  readonly #keys = new Map<LeanConnection, number>();
  /** Connections held per peer IP address, for `maxConnectionsPerAddress`. */
  readonly #perAddress = new Map<string, number>();
  readonly #addressOf = new Map<LeanConnection, string>();
  readonly #pending = new Map<LeanConnection, NodeJS.Timeout>();
  readonly #accepted = new Set<LeanConnection>();
  #closing: Promise<void> | undefined;

  /** Serves on an already bound socket (tests hand in a fake one). */
  constructor(
    socket: DatagramSocket,
    config: QuicheConfig,
    options: ResolvedQuicTransportOptions,
    onConnection: (connection: TransportConnection) => void,
  ) {
    this.#socket = socket;
    this.#config = config;
    this.#options = options;
    this.#onConnection = onConnection;
    const bound = socket.address();
    this.#local = { host: bound.address, port: bound.port };
    this.address = { host: bound.address, port: bound.port };
    this.#sender = new DatagramSender(socket, udpPayloadFor(options), false);
    socket.on('message', this.#onDatagram);
    socket.on('error', this.#onSocketError);
  }

  /** Binds `address` and starts admitting connections. */
  static async open(
    address: HostPort,
    config: QuicheConfig,
    options: ResolvedQuicTransportOptions,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<LeanQuicListener> {
    const socket = await bindUdpSocket(
      address.host,
      address.port,
      options.socketBufferBytes,
      options.udpSocket,
    );
    return new LeanQuicListener(socket, config, options, onConnection);
  }

  /** Connections held now (handshaking, open or draining). */
  get connectionCount(): number {
    return this.#routes.size;
  }

  stats(): TransportListenerStats {
    return {
      connections: this.#routes.size,
      connectionsAccepted: this.counters.connectionsAccepted,
      datagramsReceived: this.counters.datagramsReceived,
      droppedDatagrams: { ...this.counters.dropped },
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  onReady(connection: LeanConnection): void {
    clearTimeout(this.#pending.get(connection));
    this.#pending.delete(connection);
    if (this.#closing !== undefined) {
      connection.abort(new QuicTransportError('closed', 'listener is closing'));
      return;
    }
    this.#accepted.add(connection);
    this.counters.connectionsAccepted++;
    this.#onConnection(connection);
  }

  onFailed(connection: LeanConnection, error: QuicTransportError): void {
    clearTimeout(this.#pending.get(connection));
    this.#pending.delete(connection);
    this.counters.handshakesFailed++;
    this.#options.logger.debug('quic transport: handshake failed', {
      remote: connection.remoteAddress,
      error: error.message,
    });
  }

  onTerminated(connection: LeanConnection): void {
    const key = this.#keys.get(connection);
    if (key !== undefined) this.#routes.delete(key);
    this.#keys.delete(connection);
    const address = this.#addressOf.get(connection);
    if (address !== undefined) {
      this.#addressOf.delete(connection);
      const left = (this.#perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#perAddress.set(address, left);
      else this.#perAddress.delete(address);
    }
    clearTimeout(this.#pending.get(connection));
    this.#pending.delete(connection);
    this.#accepted.delete(connection);
  }

  readonly #onDatagram = (datagram: Buffer, from: DatagramOrigin): void => {
    this.counters.datagramsReceived++;
    try {
      const key = shortHeaderKey(datagram);
      if (key === undefined) {
        this.#onLongHeader(datagram, from);
        return;
      }
      const connection = this.#routes.get(key);
      if (connection === undefined) this.counters.dropped.unknownConnection++;
      else connection.receive(datagram, from);
    } catch (error) {
      this.counters.dropped.malformed++;
      this.#options.logger.debug('quic transport: dropped a datagram', { error: String(error) });
    }
  };

  #onLongHeader(datagram: Buffer, from: DatagramOrigin): void {
    if (datagram.length === 0 || (datagram[0]! & 0x80) === 0) {
      this.counters.dropped.malformed++;
      return;
    }
    let header: QuicheHeader;
    try {
      header = quiche.Header.fromSlice(datagram, CONNECTION_ID_BYTES);
    } catch {
      this.counters.dropped.malformed++;
      return;
    }
    const known =
      header.dcid.length === CONNECTION_ID_BYTES
        ? this.#routes.get(connectionIdKey(header.dcid))
        : undefined;
    if (known !== undefined) {
      known.receive(datagram, from);
      return;
    }
    if (header.ty !== quiche.Type.Initial) {
      this.counters.dropped.unknownConnection++;
      return;
    }
    if (!quiche.versionIsSupported(header.version)) {
      const out = Buffer.allocUnsafe(quiche.MAX_DATAGRAM_SIZE);
      const length = quiche.negotiateVersion(header.scid, header.dcid, out);
      this.#sender.sendRaw(out.subarray(0, length), from.port, from.address);
      this.counters.versionNegotiations++;
      return;
    }
    if (
      datagram.length < quiche.MIN_CLIENT_INITIAL_LEN ||
      header.dcid.length < 8 ||
      header.scid.length > quiche.MAX_CONN_ID_LEN
    ) {
      this.counters.dropped.malformed++;
      return;
    }
    if (
      this.#closing !== undefined ||
      this.#pending.size >= this.#options.maxPendingHandshakes ||
      (this.#perAddress.get(from.address) ?? 0) >= this.#options.maxConnectionsPerAddress ||
      this.#routes.size >= this.#options.maxConnections
    ) {
      this.counters.dropped.refused++;
      return;
    }
    const token = header.token;
    if (token === undefined || token.length === 0) {
      this.#sendRetry(header, from);
      return;
    }
    const originalId = this.#tokens.validate(token, header.dcid, from.address);
    const key = connectionIdKey(header.dcid);
    if (
      originalId === undefined ||
      header.dcid.length !== CONNECTION_ID_BYTES ||
      this.#routes.has(key)
    ) {
      this.counters.dropped.invalidToken++;
      return;
    }
    this.#accept(Uint8Array.from(header.dcid), originalId, key, datagram, from);
  }

  #sendRetry(header: QuicheHeader, from: DatagramOrigin): void {
    const id = newConnectionId((key) => this.#routes.has(key));
    const token = this.#tokens.mint(header.dcid, id, from.address);
    const out = Buffer.allocUnsafe(quiche.MAX_DATAGRAM_SIZE);
    const length = quiche.retry(header.scid, header.dcid, id, token, header.version, out);
    this.#sender.sendRaw(out.subarray(0, length), from.port, from.address);
    this.counters.retriesSent++;
  }

  #accept(
    id: Uint8Array,
    originalId: Uint8Array,
    key: number,
    datagram: Buffer,
    from: DatagramOrigin,
  ): void {
    const peer = { host: from.address, port: from.port };
    const native = quiche.Connection.accept(id, originalId, this.#local, peer, this.#config);
    const connection = new LeanConnection({
      native,
      role: 'server',
      sender: this.#sender,
      recvInfo: { from: { ...peer }, to: this.#local },
      remoteAddress: formatHostPort(peer),
      keepAliveIntervalMs: this.#options.keepAliveIntervalMs,
      closeTimeoutMs: this.#options.closeTimeoutMs,
      readChunkSize: this.#options.readChunkSize,
      logger: this.#options.logger,
      owner: this,
    });
    this.#routes.set(key, connection);
    this.#keys.set(connection, key);
    this.#addressOf.set(connection, from.address);
    this.#perAddress.set(from.address, (this.#perAddress.get(from.address) ?? 0) + 1);
    this.#pending.set(
      connection,
      setTimeout(() => {
        this.#options.logger.warn('quic transport: connection opened no stream in time', {
          remote: connection.remoteAddress,
        });
        connection.abort(
          new QuicTransportError('protocol', 'no transport hello in time'),
          CloseCode.PROTOCOL,
        );
      }, this.#options.connectTimeoutMs),
    );
    connection.receive(datagram, from);
  }

  readonly #onSocketError = (error: Error): void => {
    this.#options.logger.debug('quic transport: listener socket error', { error: error.message });
  };

  async #closeAll(): Promise<void> {
    for (const connection of [...this.#pending.keys()]) {
      connection.abort(new QuicTransportError('closed', 'listener is closing'));
    }
    await Promise.all([...this.#accepted].map((connection) => connection.close()));
    // Every connection has sent its CONNECTION_CLOSE; the draining period (3 PTOs, which
    // would only answer late packets) is cut short with the socket.
    for (const connection of [...this.#keys.keys()]) connection.terminateNow();
    this.#sender.close();
    this.#socket.off('message', this.#onDatagram);
    await closeUdpSocket(this.#socket);
  }
}

import { isIP, isIPv6 } from 'node:net';
import type MatrixLogger from '@matrixai/logger';
import {
  events,
  QUICClient,
  type QUICConfig,
  type QUICConnection,
  QUICServer,
  type QUICSocket,
  type QUICStream,
} from '@matrixai/quic';
import { formatHostPort } from '@rpcnet/base';
import type {
  HostPort,
  Transport,
  TransportConnection,
  TransportListener,
} from '../../transport.js';
import { CloseCode } from '../close-code.js';
import { type ResolvedQuicTransportOptions, SAFE_UDP_PAYLOAD } from '../config.js';
import { QuicTransportError } from '../errors.js';
import { readHello, TRANSPORT_HELLO } from '../hello.js';
import { verifyServerByIp } from '../peer-verification.js';
import { createQuicLogger } from '../quic-logger.js';
import { type ResolvedTls, resolveConnectTls, resolveListenerTls } from '../tls.js';
import { clientCrypto, serverCrypto } from './crypto-ops.js';
import {
  LIBRARY_ERROR_EVENT,
  QuicTransportConnection,
  toTransportError,
} from './quic-connection.js';
import { startTunedSocket } from './tuned-socket.js';

function formatAddress(host: string, port: number): string {
  return formatHostPort({ host, port });
}

/** The transport's own errors pass through; the library's are mapped. */
function asConnectError(error: unknown): QuicTransportError {
  if (error instanceof QuicTransportError) return error;
  const mapped = toTransportError(error);
  if (mapped.kind === 'tls') return mapped;
  const message = error instanceof Error ? error.message : String(error);
  return new QuicTransportError('connect', `connect failed: ${message}`, { cause: error });
}

/**
 * The `classic` driver: {@link Transport} over @matrixai/quic's QUICServer/QUICClient classes.
 * Kept selectable for one release (`driver: 'classic'`) so both drivers can be compared.
 */
export class ClassicQuicTransport implements Transport {
  private readonly options: ResolvedQuicTransportOptions;
  private readonly quicLogger: MatrixLogger;

  constructor(options: ResolvedQuicTransportOptions) {
    this.options = options;
    this.quicLogger = createQuicLogger(this.options.logger, this.options.quicLogLevel);
  }

  async listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener> {
    const tls = await resolveListenerTls(this.options.tls);
    const socket = await startTunedSocket({
      host: address.host,
      port: address.port,
      bufferBytes: this.options.socketBufferBytes,
      logger: this.quicLogger,
      onLibraryError: this.onLibraryError,
    });
    try {
      const server = new QUICServer({
        crypto: serverCrypto(),
        config: { ...this.quicConfig(tls), key: tls.key ?? '', cert: tls.cert ?? '' },
        socket,
        logger: this.quicLogger,
      });
      const listener = new QuicListener(server, socket, this.options, onConnection);
      await listener.start({ host: address.host, port: socket.port });
      return listener;
    } catch (error) {
      await socket.stop({ force: true }).catch(() => {});
      throw error;
    }
  }

  async connect(
    address: HostPort,
    options: { signal?: AbortSignal } = {},
  ): Promise<TransportConnection> {
    const { logger, connectTimeoutMs, closeTimeoutMs } = this.options;
    const tls = await resolveConnectTls(this.options.tls);
    const timeout = AbortSignal.timeout(connectTimeoutMs);
    const signal =
      options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    const abortError = (): QuicTransportError =>
      new QuicTransportError(
        'connect',
        options.signal?.aborted
          ? 'connect aborted'
          : `connect timed out after ${connectTimeoutMs} ms`,
        { cause: signal.reason },
      );
    if (signal.aborted) throw abortError();
    const socket = await startTunedSocket({
      host: isIPv6(address.host) ? '::' : '0.0.0.0',
      port: 0,
      bufferBytes: this.options.socketBufferBytes,
      logger: this.quicLogger,
      onLibraryError: this.onLibraryError,
    });
    const stopSocket = (): Promise<void> => socket.stop({ force: true }).catch(() => {});
    let client: QUICClient;
    try {
      client = await QUICClient.createQUICClient(
        {
          host: address.host,
          port: address.port,
          socket,
          crypto: clientCrypto(),
          config: {
            ...this.quicConfig(tls),
            // BoringSSL matches only DNS names; IP-literal targets are verified in JS.
            ...(tls.verifyPeer && tls.serverName === undefined && isIP(address.host) !== 0
              ? { verifyCallback: verifyServerByIp(address.host) }
              : {}),
          },
          logger: this.quicLogger,
          ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
        },
        { signal },
      );
    } catch (error) {
      await stopSocket();
      throw signal.aborted ? abortError() : asConnectError(error);
    }
    client.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
    const stop = async (code: number): Promise<void> => {
      try {
        await client.destroy({ isApp: true, errorCode: code, force: true });
      } finally {
        await stopSocket();
      }
    };
    const connection = client.connection;
    let stream: QUICStream | undefined;
    try {
      stream = connection.newStream('bidi');
      const reader = stream.readable.getReader();
      const writer = stream.writable.getWriter();
      const closedEarly = new Promise<never>((_, reject) => {
        connection.addEventListener(
          events.EventQUICConnectionError.name,
          (event: Event) =>
            reject(
              toTransportError(
                event instanceof events.EventQUICConnectionError ? event.detail : event,
              ),
            ),
          { once: true },
        );
      });
      closedEarly.catch(() => {});
      await Promise.race([writer.write(TRANSPORT_HELLO), closedEarly]);
      const initialData = await Promise.race([readHello(reader, signal), closedEarly]);
      return new QuicTransportConnection({
        connection,
        stream,
        reader,
        writer,
        initialData,
        stop,
        remoteAddress: formatAddress(address.host, address.port),
        logger,
        closeTimeoutMs,
      });
    } catch (error) {
      await stopQuietly(stream, () => stop(CloseCode.PROTOCOL));
      throw signal.aborted ? abortError() : asConnectError(error);
    }
  }

  private readonly onLibraryError = (event: Event): void => {
    this.options.logger.error('quic transport: library error', {
      error: 'detail' in event ? String(event.detail) : 'unknown',
    });
  };

  private quicConfig(tls: ResolvedTls): Partial<QUICConfig> {
    const o = this.options;
    return {
      verifyPeer: tls.verifyPeer,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
      maxIdleTimeout: o.maxIdleTimeoutMs,
      keepAliveIntervalTime: o.keepAliveIntervalMs,
      maxSendUdpPayloadSize: o.maxUdpPayloadSize ?? SAFE_UDP_PAYLOAD,
      maxRecvUdpPayloadSize: o.maxUdpPayloadSize ?? SAFE_UDP_PAYLOAD,
      initialMaxStreamsBidi: o.initialMaxStreams,
      initialMaxStreamsUni: 0,
      initialMaxData: o.initialMaxData,
      initialMaxStreamDataBidiLocal: o.initialMaxStreamData,
      initialMaxStreamDataBidiRemote: o.initialMaxStreamData,
      initialMaxStreamDataUni: 0,
      readableChunkSize: o.readChunkSize,
      applicationProtos: [o.applicationProtocol],
    };
  }
}

async function stopQuietly(
  stream: QUICStream | undefined,
  stop: () => Promise<void>,
): Promise<void> {
  try {
    if (stream !== undefined && !stream.closed) await stream.destroy({ force: true });
  } catch {
    // Already torn down by the library.
  }
  try {
    await stop();
  } catch {
    // Already stopped.
  }
}

/** A started {@link QUICServer} that turns accepted streams into transport connections. */
class QuicListener implements TransportListener {
  private readonly server: QUICServer;
  private readonly socket: QUICSocket;
  private readonly options: ResolvedQuicTransportOptions;
  private readonly onConnection: (connection: TransportConnection) => void;
  private readonly connections = new Set<QuicTransportConnection>();
  private readonly pending = new Set<QUICConnection>();
  private closing: Promise<void> | undefined;
  private bound: HostPort | undefined;

  constructor(
    server: QUICServer,
    socket: QUICSocket,
    options: ResolvedQuicTransportOptions,
    onConnection: (connection: TransportConnection) => void,
  ) {
    this.server = server;
    this.socket = socket;
    this.options = options;
    this.onConnection = onConnection;
  }

  get address(): HostPort {
    if (this.bound === undefined) throw new Error('listener is not started');
    return this.bound;
  }

  async start(address: HostPort): Promise<void> {
    this.server.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
    this.server.addEventListener(events.EventQUICServerConnection.name, this.onQuicConnection);
    await this.server.start();
    this.bound = { host: address.host, port: address.port };
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    this.server.removeEventListener(events.EventQUICServerConnection.name, this.onQuicConnection);
    await Promise.all([...this.connections].map((connection) => connection.close()));
    await Promise.all(
      [...this.pending].map((connection) =>
        connection.stop({ isApp: true, errorCode: CloseCode.ABORTED, force: true }).catch(() => {}),
      ),
    );
    try {
      await this.server.stop({ isApp: true, errorCode: CloseCode.GRACEFUL, force: true });
    } finally {
      await this.socket.stop({ force: true }).catch(() => {});
    }
  }

  private readonly onLibraryError = (event: Event): void => {
    this.options.logger.error('quic transport: server library error', {
      error: 'detail' in event ? String(event.detail) : 'unknown',
    });
  };

  private readonly onQuicConnection = (event: Event): void => {
    if (!(event instanceof events.EventQUICServerConnection)) return;
    const connection = event.detail;
    if (this.closing !== undefined) {
      void connection
        .stop({ isApp: true, errorCode: CloseCode.ABORTED, force: true })
        .catch(() => {});
      return;
    }
    this.pending.add(connection);
    connection.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
    let accepted = false;
    const timer = setTimeout(() => {
      if (accepted) return;
      this.options.logger.warn('quic transport: connection opened no stream in time', {
        remote: formatAddress(connection.remoteHost, connection.remotePort),
      });
      this.pending.delete(connection);
      void connection
        .stop({ isApp: true, errorCode: CloseCode.PROTOCOL, force: true })
        .catch(() => {});
    }, this.options.connectTimeoutMs);
    connection.addEventListener(
      events.EventQUICConnectionStopped.name,
      () => {
        clearTimeout(timer);
        this.pending.delete(connection);
      },
      { once: true },
    );
    connection.addEventListener(events.EventQUICConnectionStream.name, (streamEvent: Event) => {
      if (!(streamEvent instanceof events.EventQUICConnectionStream)) return;
      const stream = streamEvent.detail;
      stream.addEventListener(LIBRARY_ERROR_EVENT, this.onLibraryError);
      if (accepted) {
        // One stream per connection: further streams are refused.
        stream.cancel(new QuicTransportError('protocol', 'only one stream per connection'));
        return;
      }
      accepted = true;
      clearTimeout(timer);
      void this.accept(connection, stream);
    });
  };

  private async accept(connection: QUICConnection, stream: QUICStream): Promise<void> {
    const { logger, connectTimeoutMs, closeTimeoutMs } = this.options;
    const remoteAddress = formatAddress(connection.remoteHost, connection.remotePort);
    const stop = (code: number): Promise<void> =>
      connection.stop({ isApp: true, errorCode: code, force: true });
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    let initialData: Uint8Array;
    try {
      initialData = await readHello(reader, AbortSignal.timeout(connectTimeoutMs));
      await writer.write(TRANSPORT_HELLO);
    } catch (error) {
      logger.warn('quic transport: rejected connection without a valid hello', {
        remote: remoteAddress,
        error: error instanceof Error ? error.message : String(error),
      });
      this.pending.delete(connection);
      await stopQuietly(stream, () => stop(CloseCode.PROTOCOL));
      return;
    }
    this.pending.delete(connection);
    if (this.closing !== undefined) {
      await stopQuietly(stream, () => stop(CloseCode.ABORTED));
      return;
    }
    const transportConnection = new QuicTransportConnection({
      connection,
      stream,
      reader,
      writer,
      initialData,
      stop,
      remoteAddress,
      logger,
      closeTimeoutMs,
    });
    this.connections.add(transportConnection);
    void transportConnection.closed.then(() => this.connections.delete(transportConnection));
    this.onConnection(transportConnection);
  }
}

import type { ResolvedQuicTransportOptions } from '../config.js';
import { QuicTransportError } from '../errors.js';
import { newConnectionId } from './connection-ids.js';
import { DatagramSender } from './datagram-sender.js';
import type { DatagramSocket } from './datagram-socket.js';
import { LeanConnection } from './lean-connection.js';
import { type QuicheConfig, quiche } from './quiche.js';
import { closeUdpSocket } from './udp-socket.js';

/** What a client connection of the lean driver is started with. */
export interface ClientConnectionSpec {
  /** A socket connected to the server: it carries this one connection. */
  readonly socket: DatagramSocket;
  readonly local: { host: string; port: number };
  readonly peer: { host: string; port: number };
  readonly remoteAddress: string;
  /** SNI and the DNS name BoringSSL verifies; null for IP literals. */
  readonly serverName: string | null;
  readonly config: QuicheConfig;
  /** The largest UDP payload `config` allows: the size of each send buffer. */
  readonly udpPayloadBytes: number;
  readonly verifyServer?: (chainDer: Uint8Array[]) => number | undefined;
  readonly options: ResolvedQuicTransportOptions;
  readonly signal?: AbortSignal;
  /** Bound on this attempt's handshake and hello (default `options.connectTimeoutMs`). */
  readonly timeoutMs?: number;
}

/**
 * Runs a client handshake and the transport hello over `spec.socket`; resolves with the ready
 * connection. The socket is closed when the connection is gone, or when connecting fails.
 */
export function startClientConnection(spec: ClientConnectionSpec): Promise<LeanConnection> {
  const { socket, options: o, signal } = spec;
  const sender = new DatagramSender(socket, spec.udpPayloadBytes, true);
  let native: ReturnType<typeof quiche.Connection.connect>;
  try {
    native = quiche.Connection.connect(
      spec.serverName,
      newConnectionId(),
      spec.local,
      spec.peer,
      spec.config,
    );
  } catch (error) {
    void closeUdpSocket(socket);
    return Promise.reject(
      new QuicTransportError('connect', `connect failed: ${String(error)}`, { cause: error }),
    );
  }
  return new Promise<LeanConnection>((resolve, reject) => {
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const connection = new LeanConnection({
      native,
      role: 'client',
      sender,
      recvInfo: { from: { ...spec.peer }, to: spec.local },
      remoteAddress: spec.remoteAddress,
      ...(spec.verifyServer === undefined ? {} : { verifyServer: spec.verifyServer }),
      keepAliveIntervalMs: o.keepAliveIntervalMs,
      closeTimeoutMs: o.closeTimeoutMs,
      readChunkSize: o.readChunkSize,
      logger: o.logger,
      owner: {
        onReady: (ready) => {
          if (settled) return;
          settle();
          resolve(ready);
        },
        onFailed: (_failed, error) => {
          if (settled) return;
          settle();
          reject(
            error.kind === 'tls' || error.kind === 'connect'
              ? error
              : new QuicTransportError('connect', `connect failed: ${error.message}`, {
                  cause: error,
                }),
          );
        },
        onEnded: () => socket.unref(),
        onTerminated: () => {
          sender.close();
          void closeUdpSocket(socket);
        },
      },
    });
    const fail = (error: QuicTransportError): void => {
      if (settled) return;
      settle();
      reject(error);
      connection.terminateNow();
    };
    const timer = setTimeout(
      () =>
        fail(new QuicTransportError('connect', `connect timed out after ${o.connectTimeoutMs} ms`)),
      spec.timeoutMs ?? o.connectTimeoutMs,
    );
    const onAbort = (): void =>
      fail(new QuicTransportError('connect', 'connect aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('message', (datagram) => connection.receive(datagram));
    socket.on('error', (error) => {
      // A connected UDP socket hears ICMP "port unreachable": nothing listens there any more.
      if (error.code === 'ECONNREFUSED') connection.peerUnreachable();
      else o.logger.debug('quic transport: socket error', { error: error.message });
    });
    connection.kick();
  });
}

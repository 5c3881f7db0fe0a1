import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatHostPort } from '../../address.js';
import type {
  HostPort,
  Transport,
  TransportConnection,
  TransportListener,
} from '../../transport.js';
import type { ResolvedQuicTransportOptions } from '../config.js';
import { QuicTransportError } from '../errors.js';
import { checkServerChainForIp } from '../peer-verification.js';
import { resolveConnectTls, resolveListenerTls } from '../tls.js';
import { newConnectionId } from './connection-ids.js';
import { DatagramSender } from './datagram-sender.js';
import { LeanConnection } from './lean-connection.js';
import { LeanQuicListener } from './lean-listener.js';
import { quiche } from './quiche.js';
import { buildQuicheConfig, pemCertificates } from './quiche-config.js';
import { bindUdpSocket, closeUdpSocket, connectUdpSocket } from './udp-socket.js';

/**
 * The `lean` driver: rpcnet's own event loop over quiche's bindings (node:dgram for the
 * sockets). quiche does all of QUIC; this is the loop around it; see docs/quic.md.
 */
export class LeanQuicTransport implements Transport {
  readonly #options: ResolvedQuicTransportOptions;

  constructor(options: ResolvedQuicTransportOptions) {
    this.#options = options;
  }

  async listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener> {
    const tls = await resolveListenerTls(this.#options.tls);
    const config = buildQuicheConfig(this.#options, tls);
    return LeanQuicListener.open(address, config, this.#options, onConnection);
  }

  async connect(
    address: HostPort,
    options: { signal?: AbortSignal } = {},
  ): Promise<TransportConnection> {
    const o = this.#options;
    const { signal } = options;
    const abortError = (): QuicTransportError =>
      new QuicTransportError('connect', 'connect aborted', { cause: signal?.reason });
    if (signal?.aborted) throw abortError();
    const tls = await resolveConnectTls(o.tls);
    const literal = isIP(address.host) !== 0;
    const ip = literal ? address.host : (await lookup(address.host)).address;
    // BoringSSL matches DNS names only: an IP literal's certificate is checked in JS.
    const verifyIp = tls.verifyPeer && tls.serverName === undefined && literal;
    const caPem = tls.ca === undefined ? [] : pemCertificates(tls.ca);
    const config = buildQuicheConfig(o, tls, verifyIp);
    const socket = await bindUdpSocket(isIP(ip) === 6 ? '::' : '0.0.0.0', 0, o.socketBufferBytes);
    try {
      await connectUdpSocket(socket, ip, address.port);
    } catch (error) {
      await closeUdpSocket(socket);
      throw new QuicTransportError('connect', `connect failed: ${String(error)}`, { cause: error });
    }
    const bound = socket.address();
    const local = { host: bound.address, port: bound.port };
    const peer = { host: ip, port: address.port };
    const serverName = tls.serverName ?? (literal ? null : address.host);
    const native = quiche.Connection.connect(serverName, newConnectionId(), local, peer, config);
    const sender = new DatagramSender(socket, o.maxUdpPayloadSize, true);

    return new Promise<TransportConnection>((resolve, reject) => {
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
        recvInfo: { from: peer, to: local },
        remoteAddress: formatHostPort(address),
        ...(verifyIp
          ? { verifyServer: (chain: Uint8Array[]) => checkServerChainForIp(ip, chain, caPem) }
          : {}),
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
          fail(
            new QuicTransportError('connect', `connect timed out after ${o.connectTimeoutMs} ms`),
          ),
        o.connectTimeoutMs,
      );
      const onAbort = (): void => fail(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('message', (datagram) => connection.receive(datagram));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // A connected UDP socket hears ICMP "port unreachable": nothing listens there any more.
        if (error.code === 'ECONNREFUSED') connection.peerUnreachable();
        else o.logger.debug('quic transport: socket error', { error: error.message });
      });
      connection.kick();
    });
  }
}

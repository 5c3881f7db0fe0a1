import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatHostPort } from '@rpcnet/base';
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
import { startClientConnection } from './lean-client.js';
import { LeanQuicListener } from './lean-listener.js';
import { buildQuicheConfig, pemCertificates, udpPayloadFor } from './quiche-config.js';
import { bindUdpSocket, closeUdpSocket, connectUdpSocket } from './udp-socket.js';

/** The kind of the transport error that caused `error`, if any. */
function causeKind(error: QuicTransportError): string | undefined {
  return error.cause instanceof QuicTransportError ? error.cause.kind : undefined;
}

/** Resolves a DNS name for connecting; a failure says it was DNS, for which name and why. */
async function resolveHost(host: string): Promise<string> {
  try {
    return (await lookup(host)).address;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new QuicTransportError('connect', `cannot resolve host "${host}" (DNS: ${code})`, {
      cause: error,
    });
  }
}

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
    const config = buildQuicheConfig(this.#options, tls, udpPayloadFor(this.#options));
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
    const ip = literal ? address.host : await resolveHost(address.host);
    // BoringSSL matches DNS names only: an IP literal's certificate is checked in JS.
    const verifyIp = tls.verifyPeer && tls.serverName === undefined && literal;
    const caPem = tls.ca === undefined ? [] : pemCertificates(tls.ca);
    const udpPayloadBytes = udpPayloadFor(o, ip);
    const config = buildQuicheConfig(o, tls, udpPayloadBytes, verifyIp);
    // A handshake also ends at quiche's idle timeout; a longer connectTimeoutMs starts a fresh
    // one, as TCP keeps retransmitting its SYN until the connect timeout.
    const deadline = performance.now() + o.connectTimeoutMs;
    for (;;) {
      const socket = await bindUdpSocket(
        isIP(ip) === 6 ? '::' : '0.0.0.0',
        0,
        o.socketBufferBytes,
        o.udpSocket,
      );
      try {
        await connectUdpSocket(socket, ip, address.port);
      } catch (error) {
        await closeUdpSocket(socket);
        throw new QuicTransportError('connect', `connect failed: ${String(error)}`, {
          cause: error,
        });
      }
      const bound = socket.address();
      try {
        return await startClientConnection({
          socket,
          local: { host: bound.address, port: bound.port },
          peer: { host: ip, port: address.port },
          remoteAddress: formatHostPort(address),
          serverName: tls.serverName ?? (literal ? null : address.host),
          config,
          udpPayloadBytes,
          ...(verifyIp
            ? { verifyServer: (chain: Uint8Array[]) => checkServerChainForIp(ip, chain, caPem) }
            : {}),
          options: o,
          ...(signal === undefined ? {} : { signal }),
          timeoutMs: Math.max(1, deadline - performance.now()),
        });
      } catch (error) {
        const idle = error instanceof QuicTransportError && causeKind(error) === 'idle-timeout';
        if (!idle || signal?.aborted || deadline - performance.now() < 50) throw error;
      }
    }
  }
}

import type { HostPort, Transport, TransportConnection, TransportListener } from '../transport.js';
import {
  parseQuicTransportOptions,
  type QuicTransportOptions,
  type ResolvedQuicTransportOptions,
} from './config.js';

/** Rejects a host or port no socket can use, naming the field (port 0 only to listen). */
function checkAddress(address: HostPort, operation: string, ephemeral: boolean): void {
  const { host, port } = address ?? {};
  if (typeof host !== 'string' || host.length === 0) {
    throw new TypeError(
      `QuicTransport.${operation}: host must be a non-empty string, got ${String(host)}`,
    );
  }
  if (!Number.isInteger(port) || port < (ephemeral ? 0 : 1) || port > 65535) {
    throw new RangeError(
      `QuicTransport.${operation}: port must be an integer from ${ephemeral ? 0 : 1} to 65535, got ${String(port)}`,
    );
  }
}

/** Loads the chosen driver on first use, so importing rpcnet never loads the native addon. */
async function loadDriver(options: ResolvedQuicTransportOptions): Promise<Transport> {
  if (options.driver === 'classic') {
    const { ClassicQuicTransport } = await import('./classic/classic-transport.js');
    return new ClassicQuicTransport(options);
  }
  const { LeanQuicTransport } = await import('./lean/lean-transport.js');
  return new LeanQuicTransport(options);
}

/**
 * {@link Transport} over QUIC. Each connection carries one long-lived bidirectional stream that
 * the RPC layer multiplexes. The default `lean` driver runs rpcnet's own event loop over
 * quiche; see docs/quic.md for every option.
 */
export class QuicTransport implements Transport {
  readonly #options: ResolvedQuicTransportOptions;
  #driver: Promise<Transport> | undefined;

  constructor(options: QuicTransportOptions) {
    this.#options = parseQuicTransportOptions(options);
  }

  /** The driver this transport runs (`lean` or `classic`). */
  get driver(): ResolvedQuicTransportOptions['driver'] {
    return this.#options.driver;
  }

  async listen(
    address: HostPort,
    onConnection: (connection: TransportConnection) => void,
  ): Promise<TransportListener> {
    checkAddress(address, 'listen', true);
    this.#driver ??= loadDriver(this.#options);
    return (await this.#driver).listen(address, onConnection);
  }

  async connect(
    address: HostPort,
    options?: { signal?: AbortSignal },
  ): Promise<TransportConnection> {
    checkAddress(address, 'connect', false);
    this.#driver ??= loadDriver(this.#options);
    return (await this.#driver).connect(address, options);
  }
}

import type { HostPort, Transport, TransportConnection, TransportListener } from '../transport.js';
import {
  parseQuicTransportOptions,
  type QuicTransportOptions,
  type ResolvedQuicTransportOptions,
} from './config.js';

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
    this.#driver ??= loadDriver(this.#options);
    return (await this.#driver).listen(address, onConnection);
  }

  async connect(
    address: HostPort,
    options?: { signal?: AbortSignal },
  ): Promise<TransportConnection> {
    this.#driver ??= loadDriver(this.#options);
    return (await this.#driver).connect(address, options);
  }
}

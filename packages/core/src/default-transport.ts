import type { Logger } from '@rpcnet/base';
import type { QuicTransportOptions } from './quic/config.js';
import type { TlsOptions } from './quic/tls.js';
import type { Transport } from './transport.js';

/** Tuning of the default QUIC transport: everything but `tls` and `logger`, which come separately. */
export type QuicTuning = Omit<QuicTransportOptions, 'tls' | 'logger'>;

/**
 * The transport used when none is given: QUIC. Loaded on first use, so users of other
 * transports never load the native QUIC module.
 */
export async function createDefaultTransport(
  tls: TlsOptions | undefined,
  logger: Logger,
  quic: QuicTuning | undefined,
): Promise<Transport> {
  const { QuicTransport } = await import('./quic/quic-transport.js');
  return new QuicTransport({ ...quic, tls: tls ?? {}, logger });
}

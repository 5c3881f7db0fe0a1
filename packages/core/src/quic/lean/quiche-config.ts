import { RpcConfigError } from '../../errors.js';
import {
  LOOPBACK_UDP_PAYLOAD,
  type ResolvedQuicTransportOptions,
  SAFE_UDP_PAYLOAD,
} from '../config.js';
import type { ResolvedTls } from '../tls.js';
import { type QuicheConfig, quiche } from './quiche.js';

const encoder = new TextEncoder();
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/** The UDP payload a connection uses when `maxUdpPayloadSize` is not set (see its doc). */
export function udpPayloadFor(options: ResolvedQuicTransportOptions, peerIp?: string): number {
  if (options.maxUdpPayloadSize !== undefined) return options.maxUdpPayloadSize;
  return peerIp === undefined || isLoopbackAddress(peerIp)
    ? LOOPBACK_UDP_PAYLOAD
    : SAFE_UDP_PAYLOAD;
}

/** Splits a PEM bundle into its certificates (PEM text each). */
export function pemCertificates(pem: string): string[] {
  return pem.match(PEM_BLOCK) ?? [];
}

const CONGESTION_CONTROL = {
  cubic: quiche.CongestionControlAlgorithm.CUBIC,
  reno: quiche.CongestionControlAlgorithm.Reno,
  bbr: quiche.CongestionControlAlgorithm.BBR,
} as const;

/**
 * quiche's configuration for one endpoint. With `verifyInJs`, BoringSSL lets a failed chain
 * check through so the driver can verify it itself (IP literals, which BoringSSL cannot match).
 */
export function buildQuicheConfig(
  options: ResolvedQuicTransportOptions,
  tls: ResolvedTls,
  udpPayloadBytes: number,
  verifyInJs = false,
): QuicheConfig {
  let config: QuicheConfig;
  try {
    config = quiche.Config.withBoringSslCtx(
      tls.verifyPeer,
      verifyInJs,
      tls.ca === undefined ? null : encoder.encode(pemCertificates(tls.ca).join('\n')),
      tls.key === undefined ? null : [encoder.encode(tls.key)],
      tls.cert === undefined ? null : [encoder.encode(tls.cert)],
      null,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RpcConfigError(
      'QuicTransport',
      'tls',
      `BoringSSL rejected the certificate, key or CA: ${message}`,
      error,
    );
  }
  config.setApplicationProtos([options.applicationProtocol]);
  config.setMaxIdleTimeout(options.maxIdleTimeoutMs);
  // Each side sends at most what the other advertises as its receive limit.
  config.setMaxRecvUdpPayloadSize(udpPayloadBytes);
  config.setMaxSendUdpPayloadSize(udpPayloadBytes);
  config.setInitialMaxData(options.initialMaxData);
  config.setInitialMaxStreamDataBidiLocal(options.initialMaxStreamData);
  config.setInitialMaxStreamDataBidiRemote(options.initialMaxStreamData);
  config.setInitialMaxStreamDataUni(0);
  config.setInitialMaxStreamsBidi(options.initialMaxStreams);
  config.setInitialMaxStreamsUni(0);
  config.setDisableActiveMigration(true);
  config.setCcAlgorithm(CONGESTION_CONTROL[options.congestionControl]);
  return config;
}

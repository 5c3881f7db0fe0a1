import type { Logger } from '@rpcnet/base';
import { MAX_TIMER_DELAY_MS, silentLogger } from '@rpcnet/base';
import { z } from 'zod';
import { parseOptions } from '../limits.js';
import type { QuicLogLevel } from './quic-logger.js';
import { type TlsOptions, tlsOptionsSchema } from './tls.js';

/** Which QUIC event loop a {@link QuicTransport} runs; see docs/quic.md. */
export type QuicDriver = 'lean' | 'classic';

/** How the `lean` driver does UDP; see {@link QuicTransportOptions.udpSocket}. */
export type UdpSocketKind = 'auto' | 'batched' | 'dgram';

/** Congestion controller of the `lean` driver (quiche's implementations). */
export type CongestionControl = 'cubic' | 'reno' | 'bbr';

/** Options of a {@link QuicTransport}; every field but `tls` has a documented default. */
export interface QuicTransportOptions {
  /** Certificates, keys and peer verification. */
  tls: TlsOptions;
  /**
   * `lean` (default): rpcnet's own event loop over quiche's bindings. `classic`: @matrixai/quic's
   * QUICServer/QUICClient classes, about 10x more CPU per packet; deprecated, kept for one
   * release for comparison.
   */
  driver?: QuicDriver;
  /** Congestion controller (`lean` driver). Default `cubic`. */
  congestionControl?: CongestionControl;
  /**
   * UDP sockets of the `lean` driver. `auto` (default): `batched` where @rpcnet/batched-udp is
   * built (Linux), else `dgram`. `batched`: one sendmmsg (with UDP GSO) per turn's packets and one
   * recvmmsg per wake-up; an error if the addon is missing. `dgram`: node:dgram, a syscall and an
   * event per datagram.
   */
  udpSocket?: UdpSocketKind;
  /** Connections a listener holds at once; further handshakes are dropped. Default 4096. */
  maxConnections?: number;
  /** Handshakes a listener runs at once (`lean` driver); more are dropped. Default 256. */
  maxPendingHandshakes?: number;
  /**
   * Connections a listener holds from one peer IP address (`lean` driver); more are dropped, so
   * one client cannot take every slot. Default 256.
   */
  maxConnectionsPerAddress?: number;
  /**
   * A connection with no packet from the peer for this long is closed with an error, so a peer
   * that vanished is noticed. Default 5000 ms. The smaller of both peers' values applies.
   */
  maxIdleTimeoutMs?: number;
  /** Interval of keep-alive pings on an idle connection; below maxIdleTimeoutMs. Default 1000. */
  keepAliveIntervalMs?: number;
  /**
   * Largest UDP payload sent and accepted (1200-65527). Default: automatic. The `lean` driver
   * uses 16000 towards a loopback peer (127.0.0.0/8, ::1: the loopback MTU is 64 KiB, and every
   * packet costs a syscall) and 1350 otherwise, safe on 1500-byte MTU links; a listener accepts
   * up to 16000 and sends each peer at most what that peer advertised. The `classic` driver
   * uses 1350. Set it (on both peers) for jumbo-frame networks.
   */
  maxUdpPayloadSize?: number;
  /** Bidirectional streams the peer may open; the transport uses one per connection. Default 1. */
  initialMaxStreams?: number;
  /** Connection-level flow-control window in bytes. Default 2 MiB. */
  initialMaxData?: number;
  /**
   * Per-stream flow-control window in bytes. Default 1 MiB: the library cannot move more than a
   * few MiB/s, so larger windows only add buffering (and, at 1350-byte packets, bursts).
   */
  initialMaxStreamData?: number;
  /**
   * Kernel send/receive buffer of the UDP socket. Default 4 MiB (the kernel caps it at
   * net.core.rmem_max/wmem_max). Small buffers drop bursts and collapse throughput.
   */
  socketBufferBytes?: number;
  /** Bytes read from the QUIC stream per chunk. Default 64 KiB. */
  readChunkSize?: number;
  /** Bound on establishing a connection (handshake and transport hello). Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Bound on a graceful close waiting for the peer to finish its side. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** ALPN protocol identifier both peers must share. Default `rpcnet/1`. */
  applicationProtocol?: string;
  /** Where transport and @matrixai/quic log lines go. Default: silent. */
  logger?: Logger;
  /** Level below which @matrixai/quic records are dropped: `warn` (default) or `error`. */
  quicLogLevel?: QuicLogLevel;
}

const MAX_UDP_PAYLOAD = 65527;
/** UDP payload for paths whose MTU is unknown: fits 1500-byte Ethernet with IPv6 and tunnels. */
export const SAFE_UDP_PAYLOAD = 1350;
/** UDP payload towards loopback peers (the loopback MTU is 64 KiB on Linux, 16 KiB on macOS). */
export const LOOPBACK_UDP_PAYLOAD = 16000;
const MIN_UDP_PAYLOAD = 1200;

const loggerSchema = z.custom<Logger>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    ),
  { message: 'expected a Logger with debug/info/warn/error' },
);

/** A duration a timer can wait for: JavaScript timers fire at once past 2^31-1 ms (~24.8 days). */
const durationMs = z
  .number()
  .int()
  .positive()
  .max(MAX_TIMER_DELAY_MS, { message: `must be at most ${MAX_TIMER_DELAY_MS} ms (~24.8 days)` });

const optionsSchema = z
  .object({
    tls: tlsOptionsSchema,
    driver: z.enum(['lean', 'classic']).default('lean'),
    congestionControl: z.enum(['cubic', 'reno', 'bbr']).default('cubic'),
    udpSocket: z.enum(['auto', 'batched', 'dgram']).default('auto'),
    maxConnections: z.number().int().min(1).max(1_000_000).default(4096),
    maxPendingHandshakes: z.number().int().min(1).max(100_000).default(256),
    maxConnectionsPerAddress: z.number().int().min(1).max(1_000_000).default(256),
    maxIdleTimeoutMs: durationMs.default(5000),
    keepAliveIntervalMs: durationMs.default(1000),
    maxUdpPayloadSize: z.number().int().min(MIN_UDP_PAYLOAD).max(MAX_UDP_PAYLOAD).optional(),
    initialMaxStreams: z.number().int().min(1).max(1000).default(1),
    initialMaxData: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024),
    initialMaxStreamData: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    socketBufferBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(256 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    readChunkSize: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    connectTimeoutMs: durationMs.default(5000),
    closeTimeoutMs: durationMs.default(2000),
    applicationProtocol: z.string().min(1).max(255).default('rpcnet/1'),
    logger: loggerSchema.default(silentLogger),
    quicLogLevel: z.enum(['warn', 'error']).default('warn'),
  })
  .strict()
  .refine((options) => options.keepAliveIntervalMs < options.maxIdleTimeoutMs, {
    message: 'must be below maxIdleTimeoutMs',
    path: ['keepAliveIntervalMs'],
  });

/** {@link QuicTransportOptions} after validation, with every default filled in. */
export type ResolvedQuicTransportOptions = z.output<typeof optionsSchema>;

/** Validates options; an invalid value throws an error whose message names the field. */
export function parseQuicTransportOptions(
  options: QuicTransportOptions,
): ResolvedQuicTransportOptions {
  return parseOptions(optionsSchema, options, 'QuicTransport');
}

// Messages exchanged over IPC between the benchmark orchestrator (rpc.ts) and its child
// processes (servers and clients).
import type { QuicTransportOptions } from '@rpcnet/core';

/**
 * QUIC driver of a bench line: `classic`, `lean` (defaults: batched UDP where the addon loads)
 * and `lean-dgram` (the lean driver on node:dgram sockets, the comparison for batched UDP).
 */
export type BenchDriver = 'classic' | 'lean' | 'lean-dgram';

const CONGESTION_CONTROLS = ['cubic', 'reno', 'bbr'] as const;

/**
 * The congestion control every QUIC process of the run uses: `RPC_BENCH_CONGESTION_CONTROL`
 * (cubic, reno or bbr; unset: the transport's default, cubic). Children inherit the variable.
 */
export function benchCongestionControl(
  value = process.env.RPC_BENCH_CONGESTION_CONTROL,
): QuicTransportOptions['congestionControl'] {
  if (value === undefined || value === '') return undefined;
  const known = CONGESTION_CONTROLS.find((name) => name === value);
  if (known === undefined) {
    throw new Error(
      `RPC_BENCH_CONGESTION_CONTROL: '${value}' is not one of ${CONGESTION_CONTROLS.join(', ')}`,
    );
  }
  return known;
}

/** The QuicTransport options that select `driver` (and the run's congestion control). */
export function driverOptions(
  driver: BenchDriver | undefined,
): Pick<QuicTransportOptions, 'driver' | 'udpSocket' | 'congestionControl'> {
  if (driver === undefined) return {};
  const congestionControl = benchCongestionControl();
  const cc = congestionControl === undefined ? {} : { congestionControl };
  if (driver === 'lean-dgram') return { driver: 'lean', udpSocket: 'dgram', ...cc };
  return { driver, ...cc };
}

/**
 * Which implementation a process runs: rpcnet and grpc-js (the RPC comparison), `raw-quic` (a bare
 * QuicTransport connection, no RPC layer) and `udp` (bare node:dgram, no QUIC: the syscall floor).
 */
export type BenchSystem = 'rpcnet' | 'grpc-js' | 'raw-quic' | 'udp';

/** Settings every server child receives as its single argv JSON. */
export interface ServerSpec {
  readonly system: BenchSystem;
  /** QUIC driver of rpcnet and raw-quic; undefined for grpc-js and udp. */
  readonly driver?: BenchDriver;
  /** UDP payload size for the QUIC-based systems. */
  readonly udpPayload: number;
  readonly certPem: string;
  readonly keyPem: string;
}

/** One measured case, run by a client child. */
export interface ClientSpec {
  readonly system: BenchSystem;
  readonly driver?: BenchDriver;
  readonly udpPayload: number;
  readonly caPem: string;
  readonly port: number;
  /**
   * `raw`: frames echoed by a raw-quic server, one write in flight per `concurrency`. `raw-stream`:
   * the raw-quic server writes one way as fast as backpressure allows. `udp-pingpong` /
   * `udp-blast`: the same two patterns over bare datagrams of `payloadBytes`.
   */
  readonly kind: 'unary' | 'server-stream' | 'raw' | 'raw-stream' | 'udp-pingpong' | 'udp-blast';
  readonly payloadBytes: number;
  readonly concurrency: number;
  /** Unary and raw: measured window after warm-up. */
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Server-stream: messages in the one call. Raw and raw-stream: frames per write. */
  readonly messages: number;
  /** Server-stream: the case stops (and reports what arrived) after this long. */
  readonly timeLimitMs: number;
}

/** UDP packets the client sent and received in the measured window (both directions). */
export interface PacketCounts {
  readonly sent: number;
  readonly received: number;
  /** Packets the transport declared lost (QUIC); 0 for bare UDP. */
  readonly lost: number;
}

/** What a client child reports when its case is done. */
export interface ClientResult {
  readonly ops: number;
  readonly durationMs: number;
  readonly latenciesMs: { readonly p50: number; readonly p99: number } | undefined;
  readonly cpuMs: number;
  /**
   * Packets on the wire in the window, from the client's side: every packet between the two
   * processes is either sent or received by the client. Undefined where the transport does not
   * count them (the classic QUIC driver, grpc-js).
   */
  readonly packets?: PacketCounts;
  readonly completed: boolean;
  readonly error?: string;
}

/** Child to parent. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'cpu'; readonly cpuMs: number }
  | { readonly type: 'measure-start' }
  | { readonly type: 'measure-end' }
  | { readonly type: 'result'; readonly result: ClientResult }
  | { readonly type: 'failed'; readonly error: string };

/** Parent to child. */
export type ParentMessage =
  | { readonly type: 'cpu?' }
  | { readonly type: 'measure-ack' }
  | { readonly type: 'stop' };

/** First byte on a raw-transport connection: echo everything that follows. */
export const RAW_MODE_ECHO = 0x45;
/** First byte on a raw-transport connection: a uint32 write size follows; the server then writes
 * chunks of that size as fast as backpressure allows (the one-way floor of streaming). */
export const RAW_MODE_STREAM = 0x53;

/** First byte of a datagram to the udp server: send it straight back. */
export const UDP_MODE_ECHO = 0x45;
/** First byte of a datagram to the udp server: count it; every {@link UDP_ACK_EVERY} datagrams the
 * server answers with a uint32 of the total counted, so the blasting client can bound what is in
 * flight and knows what arrived. */
export const UDP_MODE_BLAST = 0x42;
/** Blast datagrams per acknowledgement from the udp server. */
export const UDP_ACK_EVERY = 32;

/** Request of the streaming method: how many messages of which size. */
export function encodeStreamRequest(messages: number, size: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, messages);
  view.setUint32(4, size);
  return out;
}

/** Inverse of {@link encodeStreamRequest}. */
export function decodeStreamRequest(bytes: Uint8Array): { messages: number; size: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { messages: view.getUint32(0), size: view.getUint32(4) };
}

/** CPU time (user + system) of this process so far, in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Sends a message to the parent process (children only). */
export function toParent(message: ChildMessage): void {
  process.send?.(message);
}

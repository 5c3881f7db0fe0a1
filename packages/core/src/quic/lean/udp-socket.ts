import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { UdpSocketKind } from '../config.js';
import { type BatchedDatagramSocket, loadBatchedUdp } from './batched-udp-loader.js';
import type { DatagramSocket } from './datagram-socket.js';

/**
 * dgram resolves the address of every unconnected send, a DNS lookup per datagram even for an
 * IP literal; the driver only ever sends to addresses it received from (of the socket's own
 * family), so this answers at once.
 */
function literalLookup(
  address: string,
  family: number,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, family);
}

/**
 * Binds a UDP socket for QUIC at `host:port` (0 = ephemeral) with enlarged kernel buffers: a
 * batched one when `kind` allows and the addon loads, else node:dgram's.
 */
export async function bindUdpSocket(
  host: string,
  port: number,
  bufferBytes: number,
  kind: UdpSocketKind,
): Promise<DatagramSocket> {
  if (kind !== 'dgram') {
    const batched = await loadBatchedUdp();
    if (typeof batched !== 'string') return batched.BatchedUdpSocket.bind(host, port, bufferBytes);
    if (kind === 'batched') throw new Error(`udpSocket 'batched' is unavailable: ${batched}`);
  }
  return bindDgramSocket(host, port, bufferBytes);
}

async function bindDgramSocket(host: string, port: number, bufferBytes: number): Promise<Socket> {
  const socket = createSocket({
    type: isIPv6(host) ? 'udp6' : 'udp4',
    lookup: literalLookup as never,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(bufferBytes);
    socket.setSendBufferSize(bufferBytes);
  } catch {
    // Best effort: the kernel caps the size or refuses; the defaults work, only slower in bursts.
  }
  return socket;
}

/** Connects a bound socket to its one peer, so sends name no address and ICMP errors surface. */
export async function connectUdpSocket(
  socket: DatagramSocket,
  host: string,
  port: number,
): Promise<void> {
  if (isBatched(socket)) {
    socket.connect(host, port);
    return;
  }
  const dgram = socket as Socket;
  await new Promise<void>((resolve, reject) => {
    dgram.once('error', reject);
    dgram.connect(port, host, () => {
      dgram.off('error', reject);
      resolve();
    });
  });
}

/** Closes a socket, ignoring one already closed. */
export function closeUdpSocket(socket: DatagramSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function isBatched(socket: DatagramSocket): socket is BatchedDatagramSocket {
  return typeof socket.sendBatch === 'function';
}

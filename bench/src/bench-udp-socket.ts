// The bare-UDP floor on either socket the lean QUIC driver can use: node:dgram (one syscall and
// one callback per datagram) or @rpcnet/batched-udp (recvmmsg per wake-up, sendmmsg).
import { createSocket, type Socket } from 'node:dgram';
import { BatchedUdpSocket } from '@rpcnet/batched-udp';

const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** What the udp cases need from a socket. */
export interface BenchUdpSocket {
  readonly port: number;
  /** Sends to the connected peer, or to `to` (server replies). */
  send(data: Uint8Array, to?: { address: string; port: number }): void;
  /** `message` is valid during the call only (the batched socket reuses its memory). */
  onMessage(listener: (message: Uint8Array, from: { address: string; port: number }) => void): void;
  close(): Promise<void>;
}

/** Addresses are IP literals: skip dgram's DNS lookup per unconnected send. */
const literalLookup = (
  address: string,
  _family: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void => callback(null, address, 4);

async function dgramSocket(peerPort: number | undefined): Promise<BenchUdpSocket> {
  const socket: Socket = createSocket({ type: 'udp4', lookup: literalLookup as never });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const done = (): void => {
      socket.off('error', reject);
      resolve();
    };
    if (peerPort === undefined) socket.bind(0, '127.0.0.1', done);
    else socket.connect(peerPort, '127.0.0.1', done);
  });
  socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  return {
    port: socket.address().port,
    send: (data, to) =>
      to === undefined ? socket.send(data) : socket.send(data, to.port, to.address),
    onMessage: (listener) => socket.on('message', listener),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function batchedSocket(peerPort: number | undefined): BenchUdpSocket {
  const socket = BatchedUdpSocket.bind('127.0.0.1', 0, SOCKET_BUFFER_BYTES);
  if (peerPort !== undefined) socket.connect('127.0.0.1', peerPort);
  return {
    port: socket.address().port,
    send: (data, to) =>
      to === undefined
        ? socket.send(data, 0, data.length)
        : socket.send(data, 0, data.length, to.port, to.address),
    onMessage: (listener) => socket.on('message', listener),
    close: () => new Promise<void>((resolve) => socket.close(resolve)),
  };
}

/**
 * A UDP socket on 127.0.0.1: bound to an ephemeral port (server) or connected to `peerPort`
 * (client). `batched` picks @rpcnet/batched-udp, and fails when its addon is not built.
 */
export async function benchUdpSocket(batched: boolean, peerPort?: number): Promise<BenchUdpSocket> {
  if (!batched) return dgramSocket(peerPort);
  const unavailable = BatchedUdpSocket.unavailableReason();
  if (unavailable !== undefined) throw new Error(`batched UDP floor: ${unavailable}`);
  return batchedSocket(peerPort);
}

import { createSocket, type Socket } from 'node:dgram';

/**
 * Finds `count` distinct free UDP ports on `host` (QUIC and gossip both use UDP) by binding them
 * all at once to port 0, then releasing them for the child processes to take.
 */
export async function findFreeUdpPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const sockets: Socket[] = [];
  try {
    const ports: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const socket = createSocket('udp4');
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, host, () => resolve());
      });
      ports.push(socket.address().port);
    }
    return ports;
  } finally {
    await Promise.all(
      sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))),
    );
  }
}

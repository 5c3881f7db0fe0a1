import { createSocket, type Socket } from 'node:dgram';

/**
 * `count` distinct UDP ports on `host` that were free a moment ago: bound together (so they
 * differ), then released. For a process that must be told its port before it binds; code that can
 * bind port 0 itself and report the port should do that instead (no window for another taker).
 */
export async function freeUdpPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const sockets: Socket[] = [];
  try {
    for (let index = 0; index < count; index += 1) {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, host, () => resolve());
      });
    }
    return sockets.map((socket) => socket.address().port);
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** One free UDP port on `host` (see {@link freeUdpPorts}). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freeUdpPorts(1, host);
  return port!;
}

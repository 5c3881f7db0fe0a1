import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { freeUdpPort, freeUdpPorts } from '../src/index.js';

/** Binds a UDP socket to `port` on `host` and closes it again; rejects if the port is taken. */
async function bindAndRelease(port: number, host: string): Promise<void> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe('freeUdpPorts', () => {
  it('gives distinct non-zero ports that can then be bound', async () => {
    const ports = await freeUdpPorts(4);
    expect(new Set(ports).size).toBe(4);
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      await bindAndRelease(port, '127.0.0.1');
    }
  });

  it('gives one free port on the host asked for, IPv6 included', async () => {
    const port = await freeUdpPort('::1');
    await bindAndRelease(port, '::1');
  });
});

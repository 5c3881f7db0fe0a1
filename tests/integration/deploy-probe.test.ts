import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('../../deploy/probe.mjs', import.meta.url));
const runProbe = (port: number): number | null =>
  spawnSync(process.execPath, [probe], { env: { PROBE_UDP_PORT: String(port) } }).status;

describe('deploy/probe.mjs (the image HEALTHCHECK and the pods’ probes)', () => {
  it('succeeds while a UDP socket is bound to the port and fails once it is closed', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    expect(runProbe(port)).toBe(0);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    expect(runProbe(port)).toBe(1);
  });
});

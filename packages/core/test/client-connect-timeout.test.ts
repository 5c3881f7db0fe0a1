import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../src/client/client.js';
import { ErrorCode } from '../src/errors.js';
import { createDevCertificate } from '../src/quic/dev-certificate.js';

/** A UDP port that swallows everything: a server that never answers the handshake. */
async function silentPort(): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, socket };
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

describe('RpcClient.connect timeout', () => {
  const { certPem } = createDevCertificate();

  it('waits the whole connectTimeoutMs, past the transport default of 5 s, and says it timed out', {
    timeout: 15_000,
  }, async () => {
    const { port, socket } = await silentPort();
    sockets.push(socket);
    const started = Date.now();
    const error = await RpcClient.connect(
      { host: '127.0.0.1', port },
      { tls: { ca: certPem }, connectTimeoutMs: 5600 },
    ).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(5500);
    expect(error).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      notProcessed: true,
      message: expect.stringMatching(/timed out after 5600 ms/),
    });
  });

  it('reports a short timeout as a timeout, not as "aborted"', async () => {
    const { port, socket } = await silentPort();
    sockets.push(socket);
    await expect(
      RpcClient.connect(
        { host: '127.0.0.1', port },
        { tls: { ca: certPem }, connectTimeoutMs: 300 },
      ),
    ).rejects.toThrow(/timed out after 300 ms/);
  });
});

import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import type { TransportConnection } from '../../src/transport.js';
import { certificates, RecordingReceiver, Resources } from './helpers.js';

const host = '127.0.0.1';
const resources = new Resources();
afterEach(() => resources.closeAll());

/**
 * Open UDP sockets: node:dgram's show as UDPWrap handles; the batched sockets (an addon's
 * descriptors polled by libuv) only as socket descriptors, so on Linux count those.
 */
function udpHandles(): number {
  if (!existsSync('/proc/self/fd')) {
    return process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
  }
  let sockets = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed between the listing and the read
    }
  }
  return sockets;
}

describe('QuicTransport lifecycle', () => {
  it('repeated start/stop with traffic leaks no sockets and never crashes', async () => {
    const { server } = certificates();
    const serverTransport = new QuicTransport({
      tls: { cert: server.certPem, key: server.keyPem },
    });
    const clientTransport = new QuicTransport({ tls: { ca: server.certPem } });
    const before = udpHandles();
    let peak = before;
    for (let round = 0; round < 12; round++) {
      const accepted: TransportConnection[] = [];
      const serverReceiver = new RecordingReceiver();
      const listener = resources.listener(
        await serverTransport.listen({ host, port: 0 }, (connection) => {
          connection.start(serverReceiver);
          accepted.push(connection);
        }),
      );
      const client = await clientTransport.connect(listener.address);
      client.start(new RecordingReceiver());
      const pending = client.write(new Uint8Array(64 * 1024).fill(round));
      await waitFor(() => accepted.length === 1, { message: 'accept' });
      peak = Math.max(peak, udpHandles());
      // Alternate the ways a connection can end, all with writes possibly in flight.
      if (round % 3 === 0) await client.close();
      else if (round % 3 === 1) await client.close(new Error('abort'));
      else await accepted[0]!.close();
      await pending.catch(() => {});
      await listener.close();
      await client.close();
    }
    // The server and the client each held a UDP socket while connected.
    expect(peak).toBeGreaterThanOrEqual(before + 2);
    await waitFor(() => udpHandles() <= before, { message: 'UDP sockets released' });
    expect(udpHandles()).toBeLessThanOrEqual(before);
  }, 60_000);
});

import { QUICClient } from '@matrixai/quic';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { clientCrypto } from '../../src/quic/classic/crypto-ops.js';
import { createQuicLogger } from '../../src/quic/quic-logger.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import type { TransportConnection, TransportListener } from '../../src/transport.js';
import { certificates, MemoryLogger, Resources } from './helpers.js';

const resources = new Resources();
const rawClients: QUICClient[] = [];
afterEach(async () => {
  await Promise.all(
    rawClients.splice(0).map((client) => client.destroy({ force: true }).catch(() => {})),
  );
  await resources.closeAll();
});

async function listen(logger: MemoryLogger): Promise<{
  listener: TransportListener;
  accepted: TransportConnection[];
}> {
  const { server } = certificates();
  const accepted: TransportConnection[] = [];
  const listener = resources.listener(
    await new QuicTransport({
      tls: { cert: server.certPem, key: server.keyPem },
      connectTimeoutMs: 300,
      logger,
    }).listen({ host: '127.0.0.1', port: 0 }, (connection) => accepted.push(connection)),
  );
  return { listener, accepted };
}

/** A plain @matrixai/quic client: a peer that does not speak the rpcnet transport hello. */
async function rawClient(port: number): Promise<QUICClient> {
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port,
    crypto: clientCrypto(),
    config: {
      verifyPeer: false,
      applicationProtos: ['rpcnet/1'],
      initialMaxStreamsBidi: 1,
    },
    logger: createQuicLogger(new MemoryLogger()),
  });
  rawClients.push(client);
  return client;
}

describe('QuicTransport transport hello', { timeout: 20_000 }, () => {
  it('refuses a peer whose stream does not start with the hello', async () => {
    const logger = new MemoryLogger();
    const { listener, accepted } = await listen(logger);
    const client = await rawClient(listener.address.port);
    const stream = client.connection.newStream('bidi');
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
    await waitFor(() => client.closed, { message: 'server closes the connection' });
    expect(accepted).toHaveLength(0);
    expect(logger.lines.some((line) => line.message.includes('without a valid hello'))).toBe(true);
    writer.releaseLock();
  });

  it('closes a connection that never opens its stream', async () => {
    const logger = new MemoryLogger();
    const { listener, accepted } = await listen(logger);
    const client = await rawClient(listener.address.port);
    await waitFor(() => client.closed, { message: 'server closes the idle connection' });
    expect(accepted).toHaveLength(0);
    expect(logger.lines.some((line) => line.message.includes('opened no stream'))).toBe(true);
  });
});

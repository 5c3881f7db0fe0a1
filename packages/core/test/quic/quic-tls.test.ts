import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { QuicTransportError } from '../../src/quic/errors.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import type { TlsOptions } from '../../src/quic/tls.js';
import type { TransportConnection, TransportListener } from '../../src/transport.js';
import { certificates, RecordingReceiver, Resources } from './helpers.js';

const host = '127.0.0.1';
const resources = new Resources();
let tempDir: string | undefined;
afterEach(async () => {
  await resources.closeAll();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

async function listen(
  tls: TlsOptions,
): Promise<{ listener: TransportListener; accepted: TransportConnection[] }> {
  const accepted: TransportConnection[] = [];
  const listener = resources.listener(
    await new QuicTransport({ tls, connectTimeoutMs: 2000 }).listen(
      { host, port: 0 },
      (connection) => {
        resources.connection(connection);
        connection.start(new RecordingReceiver());
        accepted.push(connection);
      },
    ),
  );
  return { listener, accepted };
}

async function connect(listener: TransportListener, tls: TlsOptions): Promise<TransportConnection> {
  const connection = await new QuicTransport({ tls, connectTimeoutMs: 2000 }).connect(
    listener.address,
  );
  resources.connection(connection);
  connection.start(new RecordingReceiver());
  return connection;
}

describe('QuicTransport TLS', { timeout: 20_000 }, () => {
  const { server, client, other } = certificates();
  const serverTls: TlsOptions = { cert: server.certPem, key: server.keyPem };

  it('accepts a server whose development certificate the client trusts', async () => {
    const { listener, accepted } = await listen(serverTls);
    await connect(listener, { ca: server.certPem });
    await waitFor(() => accepted.length === 1, { message: 'accept' });
  });

  it('verifies by DNS name when serverName is given', async () => {
    const { listener } = await listen(serverTls);
    await expect(
      connect(listener, { ca: server.certPem, serverName: 'localhost' }),
    ).resolves.toBeDefined();
    await expect(
      connect(listener, { ca: server.certPem, serverName: 'not-in-the-certificate.example' }),
    ).rejects.toMatchObject({ kind: 'tls' });
  });

  it('rejects a server certificate signed by another CA', async () => {
    const { listener, accepted } = await listen(serverTls);
    const attempt = connect(listener, { ca: other.certPem });
    await expect(attempt).rejects.toBeInstanceOf(QuicTransportError);
    await expect(attempt).rejects.toMatchObject({ kind: 'tls' });
    expect(accepted).toHaveLength(0);
  });

  it('rejects a server certificate issued for another IP address', async () => {
    const { createDevCertificate } = await import('../../src/quic/dev-certificate.js');
    const elsewhere = createDevCertificate({ hosts: ['10.1.2.3'] });
    const { listener } = await listen({ cert: elsewhere.certPem, key: elsewhere.keyPem });
    await expect(connect(listener, { ca: elsewhere.certPem })).rejects.toMatchObject({
      kind: 'tls',
    });
  });

  it('rejects an unknown certificate without a CA (system roots) unless verification is skipped', async () => {
    const { listener } = await listen(serverTls);
    await expect(connect(listener, {})).rejects.toMatchObject({ kind: 'tls' });
    await expect(connect(listener, { insecureSkipVerify: true })).resolves.toBeDefined();
  });

  it('refuses to disable verification without insecureSkipVerify', async () => {
    const { listener } = await listen(serverTls);
    await expect(connect(listener, { verifyPeer: false })).rejects.toThrow(/tls\.verifyPeer/);
  });

  it('reads certificate, key and CA from files', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'rpcnet-tls-'));
    const paths = { cert: join(tempDir, 'cert.pem'), key: join(tempDir, 'key.pem') };
    await writeFile(paths.cert, server.certPem);
    await writeFile(paths.key, server.keyPem);
    const { listener, accepted } = await listen({
      cert: { path: paths.cert },
      key: { path: paths.key },
    });
    await connect(listener, { ca: { path: paths.cert } });
    await waitFor(() => accepted.length === 1, { message: 'accept' });
    await expect(
      new QuicTransport({ tls: { ca: { path: join(tempDir, 'missing.pem') } } }).connect(
        listener.address,
      ),
    ).rejects.toThrow(/"tls\.ca": cannot read .*missing\.pem \(ENOENT\)/);
  });

  describe('mutual TLS', () => {
    const mutual: TlsOptions = { ...serverTls, ca: client.certPem, verifyPeer: true };

    it('accepts a client presenting a certificate the server trusts', async () => {
      const { listener, accepted } = await listen(mutual);
      await connect(listener, { ca: server.certPem, cert: client.certPem, key: client.keyPem });
      await waitFor(() => accepted.length === 1, { message: 'accept' });
    });

    it('rejects a client without a certificate', async () => {
      const { listener, accepted } = await listen(mutual);
      await expect(connect(listener, { ca: server.certPem })).rejects.toBeInstanceOf(
        QuicTransportError,
      );
      expect(accepted).toHaveLength(0);
    });

    it('rejects a client whose certificate the server does not trust', async () => {
      const { listener, accepted } = await listen(mutual);
      await expect(
        connect(listener, { ca: server.certPem, cert: other.certPem, key: other.keyPem }),
      ).rejects.toBeInstanceOf(QuicTransportError);
      expect(accepted).toHaveLength(0);
    });

    it('needs the client CA to be configured', async () => {
      await expect(
        new QuicTransport({ tls: { ...serverTls, verifyPeer: true } }).listen(
          { host, port: 0 },
          () => {},
        ),
      ).rejects.toThrow(/tls\.ca/);
    });
  });
});

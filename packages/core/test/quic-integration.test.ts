import { afterEach, describe, expect, it } from 'vitest';
import { createDevCertificate, RpcClient, RpcServer } from '../src/index.js';
import { bytes, text } from './support/text-bytes.js';

// Development-only certificate made at run time; the client trusts it as its CA.
const certificate = createDevCertificate();

describe('QUIC as the default transport', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('serves and calls over QUIC when only tls is given', async () => {
    const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
    server.unary('echo', (request) => request);
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    expect(address.host).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
    const client = await RpcClient.connect(address, { tls: { ca: certificate.certPem } });
    cleanups.push(() => client.close());
    expect(text(await client.unary('echo', bytes('over quic')))).toBe('over quic');
  });

  it('refuses a server whose certificate the client does not trust', async () => {
    const server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const stranger = createDevCertificate({ commonName: 'someone else' });
    await expect(
      RpcClient.connect(address, { tls: { ca: stranger.certPem }, connectTimeoutMs: 3000 }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', notProcessed: true });
  });
});

import { ConfigError } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { RpcClient } from '../../src/client/client.js';
import { RpcError } from '../../src/errors.js';
import { createDevCertificate } from '../../src/quic/dev-certificate.js';
import { QuicTransport } from '../../src/quic/quic-transport.js';
import { checkKeyMatchesCertificate } from '../../src/quic/tls.js';
import { describeTlsAlert, tlsAlertOf } from '../../src/quic/tls-alerts.js';
import { certificates, Resources } from './helpers.js';

describe('QuicTransport refuses unusable settings at once, naming them', () => {
  const { server, other } = certificates();

  it('refuses to listen with a key that does not belong to the certificate', async () => {
    const transport = new QuicTransport({ tls: { cert: server.certPem, key: other.keyPem } });
    await expect(transport.listen({ host: '127.0.0.1', port: 0 }, () => {})).rejects.toThrow(
      /"tls\.key": the private key does not belong to tls\.cert/,
    );
  });

  it('refuses a client certificate whose key does not match it, before connecting', async () => {
    const transport = new QuicTransport({
      tls: { ca: server.certPem, cert: server.certPem, key: other.keyPem },
    });
    await expect(transport.connect({ host: '127.0.0.1', port: 9 })).rejects.toThrow(/tls\.key/);
  });

  it('names the field when a PEM is not what it claims to be', () => {
    const fresh = createDevCertificate();
    expect(() => checkKeyMatchesCertificate(fresh.keyPem, fresh.keyPem)).toThrow(/tls\.cert/);
    expect(() => checkKeyMatchesCertificate(fresh.certPem, fresh.certPem)).toThrow(/tls\.key/);
    expect(() => checkKeyMatchesCertificate(fresh.certPem, fresh.keyPem)).not.toThrow();
  });

  it.each([
    [{ host: '127.0.0.1', port: 70_000 }, /port must be an integer from 0 to 65535, got 70000/],
    [{ host: '127.0.0.1', port: -1 }, /port/],
    [{ host: '127.0.0.1', port: 1.5 }, /port/],
    [{ host: '', port: 0 }, /host must be a non-empty string/],
  ])('refuses to listen on %o', async (address, message) => {
    const transport = new QuicTransport({ tls: { cert: server.certPem, key: server.keyPem } });
    await expect(transport.listen(address, () => {})).rejects.toThrow(message);
  });

  it('refuses to connect to port 0', async () => {
    const transport = new QuicTransport({ tls: { ca: server.certPem } });
    await expect(transport.connect({ host: '127.0.0.1', port: 0 })).rejects.toThrow(
      /port must be an integer from 1 to 65535, got 0/,
    );
  });

  it('says when a host name does not resolve, and which', async () => {
    const transport = new QuicTransport({ tls: { ca: server.certPem }, connectTimeoutMs: 3000 });
    await expect(transport.connect({ host: 'no-such-host.invalid', port: 7000 })).rejects.toThrow(
      /cannot resolve host "no-such-host\.invalid" \(DNS: /,
    );
  });

  it('names TLS alerts and what fixes them', () => {
    expect(tlsAlertOf(0x100 + 116)).toBe(116);
    expect(tlsAlertOf(12)).toBeUndefined();
    expect(describeTlsAlert(116)).toMatch(/certificate_required .*client certificate/);
    expect(describeTlsAlert(48)).toMatch(/unknown_ca .*tls\.ca/);
    expect(describeTlsAlert(45)).toMatch(/certificate_expired/);
    expect(describeTlsAlert(7)).toBe('TLS alert 7');
  });
});

describe('TLS refusals say why', { timeout: 20_000 }, () => {
  const resources = new Resources();
  const { server, client } = certificates();

  it('a mutual-TLS server refusing a client without a certificate reports certificate_required', async () => {
    const listener = resources.listener(
      await new QuicTransport({
        tls: { cert: server.certPem, key: server.keyPem, ca: client.certPem, verifyPeer: true },
      }).listen({ host: '127.0.0.1', port: 0 }, () => {}),
    );
    try {
      await expect(
        new QuicTransport({ tls: { ca: server.certPem }, connectTimeoutMs: 3000 }).connect(
          listener.address,
        ),
      ).rejects.toThrow(/certificate_required/);
    } finally {
      await resources.closeAll();
    }
  });
});

describe('TLS settings that cannot work are configuration errors, not outages', () => {
  const { server } = certificates();

  it.each([
    ['a missing CA file', { ca: { path: '/nonexistent/ca.pem' } }, /"tls\.ca": cannot read/],
    [
      'a garbled CA',
      { ca: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' },
      /"tls\.ca": certificate 1 of the bundle does not parse/,
    ],
    [
      'verification switched off without insecureSkipVerify',
      { verifyPeer: false },
      /tls\.verifyPeer/,
    ],
    ['an unknown TLS key', { ca: server.certPem, cafile: 'ca.pem' }, /cafile/],
  ])('%s: RpcClient.connect throws a ConfigError naming the field', async (_what, tls, message) => {
    const error = await RpcClient.connect(
      { host: '127.0.0.1', port: 9 },
      { tls: tls as never },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(RpcError);
    expect((error as Error).message).toMatch(message);
  });
});

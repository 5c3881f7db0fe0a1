import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derObjectIdentifier, derTime, derUnsignedInteger } from '../../src/quic/der.js';
import { createDevCertificate } from '../../src/quic/dev-certificate.js';

describe('createDevCertificate', () => {
  it('makes a self-signed EC P-256 certificate for localhost by default', () => {
    const { certPem, keyPem } = createDevCertificate();
    const certificate = new X509Certificate(certPem);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.checkHost('localhost')).toBe('localhost');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificate.checkIP('::1')).toBe('::1');
    expect(certificate.checkIP('10.0.0.1')).toBeUndefined();
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(keyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('covers the requested hosts and validity period', () => {
    const now = new Date('2030-01-15T12:00:00Z');
    const { certPem } = createDevCertificate({
      hosts: ['node-1.cluster.local', '10.0.0.7', 'fe80::1:2'],
      days: 3,
      now,
    });
    const certificate = new X509Certificate(certPem);
    expect(certificate.checkHost('node-1.cluster.local')).toBe('node-1.cluster.local');
    expect(certificate.checkHost('localhost')).toBeUndefined();
    expect(certificate.checkIP('10.0.0.7')).toBe('10.0.0.7');
    expect(certificate.checkIP('fe80::1:2')).toBe('fe80::1:2');
    expect(Date.parse(certificate.validTo) - now.getTime()).toBe(3 * 24 * 3600 * 1000);
    expect(Date.parse(certificate.validFrom)).toBeLessThan(now.getTime());
  });

  it('gives every certificate its own key and serial number', () => {
    const a = new X509Certificate(createDevCertificate().certPem);
    const b = new X509Certificate(createDevCertificate().certPem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
  });

  it('uses GeneralizedTime from 2050 on', () => {
    const { certPem } = createDevCertificate({ now: new Date('2049-12-31T00:00:00Z'), days: 10 });
    expect(new X509Certificate(certPem).validTo).toContain('2050');
  });

  it('names the invalid option', () => {
    expect(() => createDevCertificate({ days: 0 })).toThrow(/days/);
    expect(() => createDevCertificate({ hosts: [] })).toThrow(/hosts/);
    expect(() => createDevCertificate({ hosts: ['not a host!'] })).toThrow(/hosts/);
  });
});

describe('DER encoding', () => {
  it('encodes object identifiers with multi-byte arcs', () => {
    // 1.2.840.10045.4.3.2 (ecdsa-with-SHA256), a well-known encoding.
    expect(Buffer.from(derObjectIdentifier('1.2.840.10045.4.3.2')).toString('hex')).toBe(
      '06082a8648ce3d040302',
    );
  });

  it('encodes integers minimally and never negative', () => {
    expect([...derUnsignedInteger(Uint8Array.of(0, 0, 5))]).toEqual([0x02, 0x01, 0x05]);
    expect([...derUnsignedInteger(Uint8Array.of(0x80))]).toEqual([0x02, 0x02, 0x00, 0x80]);
  });

  it('encodes UTCTime', () => {
    expect(Buffer.from(derTime(new Date('2026-03-04T05:06:07Z'))).toString('latin1')).toBe(
      '\x17\x0d260304050607Z',
    );
  });
});

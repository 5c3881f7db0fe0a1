import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { TLSVerifyCallback } from '@matrixai/quic';
import { CryptoError } from '@matrixai/quic/native/types.js';

const MAX_CHAIN_LENGTH = 8;

function parse(der: Uint8Array | string): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

function isCertificate(value: X509Certificate | undefined): value is X509Certificate {
  return value !== undefined;
}

function isCurrent(certificate: X509Certificate, now: number): boolean {
  return Date.parse(certificate.validFrom) <= now && now <= Date.parse(certificate.validTo);
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/**
 * Checks a server's certificate chain (DER, leaf first) for a client that connected to the IP
 * literal `ip`: BoringSSL only matches DNS names, so the chain is checked here against the
 * trusted CAs (`caDer`, PEM or DER; the system roots when empty) and the leaf's IP SANs.
 * Returns the TLS alert to close with, or undefined when the chain is trusted.
 */
export function checkServerChainForIp(
  ip: string,
  chainDer: readonly (Uint8Array | string)[],
  caDer: readonly (Uint8Array | string)[],
  time: number = Date.now(),
): number | undefined {
  const chain = chainDer.map(parse).filter(isCertificate);
  const leaf = chain[0];
  if (leaf === undefined || chain.length !== chainDer.length) return CryptoError.BadCertificate;
  const intermediates = chain.slice(1);
  const anchors = (caDer.length > 0 ? caDer.map(parse) : rootCertificates.map(parse)).filter(
    isCertificate,
  );
  if (!isCurrent(leaf, time)) return CryptoError.CertificateExpired;
  if (leaf.checkIP(ip) === undefined) return CryptoError.BadCertificate;
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_LENGTH; depth++) {
    const anchor = anchors.find(
      (candidate) =>
        candidate.raw.equals(current.raw) ||
        (isCurrent(candidate, time) && issues(candidate, current)),
    );
    if (anchor !== undefined) return undefined;
    const next = intermediates.find(
      (candidate) => candidate.ca && isCurrent(candidate, time) && issues(candidate, current),
    );
    if (next === undefined) return CryptoError.UnknownCA;
    current = next;
  }
  return CryptoError.UnknownCA;
}

/** {@link checkServerChainForIp} as @matrixai/quic's verify callback (the `classic` driver). */
export function verifyServerByIp(ip: string, now: () => number = Date.now): TLSVerifyCallback {
  if (isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  return async (chainDer, caDer) => checkServerChainForIp(ip, chainDer, caDer, now());
}

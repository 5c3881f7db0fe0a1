import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { RpcConfigError } from '../errors.js';

/** PEM text, or `{ path }` naming a file that holds PEM text. */
export type PemSource = string | { readonly path: string };

/**
 * TLS settings of a {@link QuicTransport}. QUIC always encrypts; these decide who is trusted.
 * A listener needs `cert` and `key`; a connecting client verifies the server against `ca`.
 */
export interface TlsOptions {
  /** This endpoint's certificate chain (PEM). Required to listen; for clients, only with mTLS. */
  cert?: PemSource;
  /** The private key of `cert` (PEM). */
  key?: PemSource;
  /** Trusted CA certificates (PEM, one or several concatenated); the system CAs when absent. */
  ca?: PemSource;
  /**
   * Verify the peer's certificate against `ca`. Connecting: default true (turning it off needs
   * `insecureSkipVerify`). Listening: default false; true = mutual TLS (clients must present one).
   */
  verifyPeer?: boolean;
  /** DEVELOPMENT ONLY: a connecting client accepts any server certificate. */
  insecureSkipVerify?: boolean;
  /** Name the server certificate must match, when it differs from the host connected to. */
  serverName?: string;
}

const PEM_MARKER = '-----BEGIN ';

const pemSourceSchema = z.union([
  z.string().refine((text) => text.includes(PEM_MARKER), {
    message: 'expected PEM text (pass { path } to read a file)',
  }),
  z.object({ path: z.string().min(1) }).strict(),
]);

/** Validates {@link TlsOptions}; field names in errors are relative to `tls`. */
export const tlsOptionsSchema = z
  .object({
    cert: pemSourceSchema.optional(),
    key: pemSourceSchema.optional(),
    ca: pemSourceSchema.optional(),
    verifyPeer: z.boolean().optional(),
    insecureSkipVerify: z.boolean().optional(),
    serverName: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: 'cert and key must be given together',
    path: ['key'],
  })
  .refine((tls) => !(tls.insecureSkipVerify === true && tls.verifyPeer === true), {
    message: 'insecureSkipVerify cannot be combined with verifyPeer: true',
    path: ['insecureSkipVerify'],
  });

/** The TLS part of the QUIC library's configuration for one role. */
export interface ResolvedTls {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly verifyPeer: boolean;
  readonly serverName?: string;
}

async function readCa(source: PemSource): Promise<string> {
  const ca = await readPem(source, 'ca');
  checkCaBundle(ca);
  return ca;
}

/** A TLS setting that cannot work: a configuration error, never a transient outage. */
function tlsError(field: string, reason: string, cause?: unknown): RpcConfigError {
  return new RpcConfigError('QuicTransport', field, reason, cause);
}

async function readPem(source: PemSource, field: string): Promise<string> {
  if (typeof source === 'string') return source;
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw tlsError(`tls.${field}`, `cannot read ${source.path} (${code})`, error);
  }
  if (!text.includes(PEM_MARKER))
    throw tlsError(`tls.${field}`, `${source.path} holds no PEM text`);
  return text;
}

/**
 * Checks that `key` is the private key of the first certificate in `cert`, so a mismatch fails
 * at start with a message that names the fields, not later as a handshake failure.
 */
export function checkKeyMatchesCertificate(cert: string, key: string): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw tlsError('tls.cert', 'not a PEM X.509 certificate', error);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw tlsError('tls.key', 'not a PEM private key (an encrypted key is not supported)', error);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw tlsError(
      'tls.key',
      `the private key does not belong to tls.cert (${certificate.subject.replace(/\n/g, ', ')}); pass the key the certificate was issued for`,
    );
  }
}

/** Checks that every certificate in the `ca` bundle parses, so a garbled CA fails at once. */
function checkCaBundle(ca: string): void {
  const blocks = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw tlsError('tls.ca', 'holds no PEM certificate');
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw tlsError('tls.ca', `certificate ${index + 1} of the bundle does not parse`, error);
    }
  }
}

/** Reads PEM files and decides verification for a listener (server role). */
export async function resolveListenerTls(tls: TlsOptions): Promise<ResolvedTls> {
  if (tls.cert === undefined || tls.key === undefined) {
    throw tlsError('tls.cert', 'a listener needs a certificate and key (tls.cert, tls.key)');
  }
  const verifyPeer = tls.verifyPeer === true;
  if (verifyPeer && tls.ca === undefined) {
    throw tlsError('tls.ca', 'mutual TLS (verifyPeer on a listener) needs the client CA');
  }
  const cert = await readPem(tls.cert, 'cert');
  const key = await readPem(tls.key, 'key');
  checkKeyMatchesCertificate(cert, key);
  return {
    cert,
    key,
    ...(tls.ca === undefined ? {} : { ca: await readCa(tls.ca) }),
    verifyPeer,
  };
}

/** Reads PEM files and decides verification for a connecting client. */
export async function resolveConnectTls(tls: TlsOptions): Promise<ResolvedTls> {
  const skip = tls.insecureSkipVerify === true;
  if (!skip && tls.verifyPeer === false) {
    throw tlsError(
      'tls.verifyPeer',
      'disabling server verification needs insecureSkipVerify: true',
    );
  }
  const cert = tls.cert === undefined ? undefined : await readPem(tls.cert, 'cert');
  const key = tls.key === undefined ? undefined : await readPem(tls.key, 'key');
  if (cert !== undefined && key !== undefined) checkKeyMatchesCertificate(cert, key);
  return {
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(tls.ca === undefined ? {} : { ca: await readCa(tls.ca) }),
    verifyPeer: !skip,
    ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
  };
}

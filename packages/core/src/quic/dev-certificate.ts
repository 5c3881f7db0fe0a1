import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import {
  derBitString,
  derBoolean,
  derContext,
  derObjectIdentifier,
  derOctetString,
  derSequence,
  derSet,
  derSmallInteger,
  derTime,
  derUnsignedInteger,
  derUtf8String,
} from './der.js';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface DevCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options of {@link createDevCertificate}. */
export interface DevCertificateOptions {
  /** DNS names and IP addresses the certificate is valid for. Default: localhost, 127.0.0.1, ::1. */
  hosts?: readonly string[];
  /** Validity in days from `now`. Default 30. */
  days?: number;
  /** The issuing time (injected for tests). Default: the current time. */
  now?: Date;
  /** Common name of subject and issuer. Default `rpcnet development certificate`. */
  commonName?: string;
}

const optionsSchema = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1).default(['localhost', '127.0.0.1', '::1']),
  days: z.number().int().positive().max(3650).default(30),
  now: z.date().optional(),
  commonName: z.string().min(1).max(64).default('rpcnet development certificate'),
});

const OID_COMMON_NAME = '2.5.4.3';
const OID_EC_PUBLIC_KEY_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
// Backdating absorbs small clock differences between the peers.
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * DEVELOPMENT ONLY: creates a self-signed EC P-256 certificate (and key) at run time with
 * node:crypto, so examples and tests need no `openssl` step. Never use it in production.
 */
export function createDevCertificate(options: DevCertificateOptions = {}): DevCertificate {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `createDevCertificate: ${issue?.path.join('.') || 'options'}: ${issue?.message}`,
    );
  }
  const { hosts, days, commonName } = parsed.data;
  const now = parsed.data.now ?? new Date();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));

  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const signatureAlgorithm = derSequence(derObjectIdentifier(OID_EC_PUBLIC_KEY_WITH_SHA256));
  const name = derSequence(
    derSet(derSequence(derObjectIdentifier(OID_COMMON_NAME), derUtf8String(commonName))),
  );
  const tbs = derSequence(
    derContext(0, derSmallInteger(2), true),
    derUnsignedInteger(serial),
    signatureAlgorithm,
    name,
    derSequence(
      derTime(new Date(now.getTime() - BACKDATE_MS)),
      derTime(new Date(now.getTime() + days * DAY_MS)),
    ),
    name,
    spki,
    derContext(3, derSequence(...extensions(hosts, spki)), true),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = derSequence(tbs, signatureAlgorithm, derBitString(signature));
  return {
    certPem: toPem('CERTIFICATE', certificate),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function extensions(hosts: readonly string[], spki: Uint8Array): Uint8Array[] {
  const extension = (oid: string, critical: boolean, value: Uint8Array): Uint8Array =>
    critical
      ? derSequence(derObjectIdentifier(oid), derBoolean(true), derOctetString(value))
      : derSequence(derObjectIdentifier(oid), derOctetString(value));
  // Like `openssl req -x509`, the certificate is its own CA, so a peer can trust it directly.
  const basicConstraints = derSequence(derBoolean(true));
  // digitalSignature (bit 0) and keyCertSign (bit 5).
  const keyUsage = derBitString(Uint8Array.of(0x84), 2);
  const extKeyUsage = derSequence(
    derObjectIdentifier(OID_SERVER_AUTH),
    derObjectIdentifier(OID_CLIENT_AUTH),
  );
  const subjectAltName = derSequence(...hosts.map(generalName));
  const keyId = createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
  return [
    extension(OID_BASIC_CONSTRAINTS, true, basicConstraints),
    extension(OID_KEY_USAGE, true, keyUsage),
    extension(OID_EXT_KEY_USAGE, false, extKeyUsage),
    extension(OID_SUBJECT_ALT_NAME, false, subjectAltName),
    extension(OID_SUBJECT_KEY_IDENTIFIER, false, derOctetString(keyId)),
  ];
}

/** A subjectAltName entry: iPAddress [7] for IP literals, dNSName [2] otherwise. */
function generalName(host: string): Uint8Array {
  if (isIPv4(host)) return derContext(7, Uint8Array.from(host.split('.').map(Number)), false);
  if (isIPv6(host)) return derContext(7, ipv6Bytes(host), false);
  if (!/^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/.test(host)) {
    throw new Error(`createDevCertificate: hosts: not a DNS name or IP address: ${host}`);
  }
  return derContext(2, new TextEncoder().encode(host), false);
}

function ipv6Bytes(address: string): Uint8Array {
  const [head = '', tail] = address.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const headGroups = groups(head);
  const tailGroups = tail === undefined ? [] : groups(tail);
  if ([...headGroups, ...tailGroups].some((group) => group.includes('.'))) {
    throw new Error(`createDevCertificate: hosts: IPv4-mapped IPv6 is not supported: ${address}`);
  }
  const zeros = 8 - headGroups.length - tailGroups.length;
  const all = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  const out = new Uint8Array(16);
  all.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    out[index * 2] = value >> 8;
    out[index * 2 + 1] = value & 0xff;
  });
  return out;
}

/** The raw key bits inside a SubjectPublicKeyInfo (the BIT STRING's content). */
function subjectPublicKeyBits(spki: Uint8Array): Uint8Array {
  // An uncompressed P-256 point is 65 bytes at the end of the SPKI.
  return spki.subarray(spki.length - 65);
}

function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

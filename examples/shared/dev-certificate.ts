import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevCertificate, type DevCertificate } from 'rpcnet';

/** Where the examples keep their shared certificate when `RPCNET_DEV_CERT_DIR` is not set. */
export const DEFAULT_DEV_CERT_DIR = join(tmpdir(), 'rpcnet-examples-dev-cert');

const FILE_NAME = 'dev-certificate.json';
const VALIDITY_DAYS = 30;
/** Replaced a few days before it expires, so a long-running example never holds an expired one. */
const RENEW_AFTER_MS = (VALIDITY_DAYS - 5) * 24 * 60 * 60 * 1000;

interface StoredCertificate extends DevCertificate {
  readonly createdAt: number;
}

/**
 * DEVELOPMENT ONLY. The certificate every example process shares, so directors, workers and
 * clients started separately trust each other: the first process creates it with
 * `createDevCertificate` and stores it in `dir`; the others read it. Servers present it, clients
 * trust it as their only CA. Production uses real certificates (see docs/production.md).
 */
export function sharedDevCertificate(dir: string = DEFAULT_DEV_CERT_DIR): DevCertificate {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, FILE_NAME);
  const existing = readStored(file);
  if (existing !== undefined && Date.now() - existing.createdAt < RENEW_AFTER_MS) return existing;
  const created: StoredCertificate = {
    ...createDevCertificate({ days: VALIDITY_DAYS }),
    createdAt: Date.now(),
  };
  const temporary = join(dir, `${FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temporary, JSON.stringify(created), { mode: 0o600 });
  try {
    if (existing === undefined) {
      // link() fails when the file exists: of processes starting together, exactly one wins.
      try {
        linkSync(temporary, file);
      } catch {
        const winner = readStored(file);
        if (winner !== undefined) return winner;
        renameSync(temporary, file);
      }
    } else {
      renameSync(temporary, file);
    }
  } finally {
    rmSync(temporary, { force: true });
  }
  return readStored(file) ?? created;
}

function readStored(file: string): StoredCertificate | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === 'object' &&
      value !== null &&
      'certPem' in value &&
      'keyPem' in value &&
      'createdAt' in value &&
      typeof value.certPem === 'string' &&
      typeof value.keyPem === 'string' &&
      typeof value.createdAt === 'number'
    ) {
      return { certPem: value.certPem, keyPem: value.keyPem, createdAt: value.createdAt };
    }
  } catch {
    // A half-written or foreign file: treated as absent and replaced.
  }
  return undefined;
}

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDevCertificate } from '@rpcnet/core';
import type { CliIo } from './cli-io.js';
import { COMMON_OPTIONS } from './common-options.js';
import { EXIT_CODES, usageError } from './exit-codes.js';

export const CERT_HELP = `Usage: rpcnet cert [options]

Writes a self-signed DEVELOPMENT certificate and its key, for local servers (cert + key) and
clients (trust the cert as CA: \`rpcnet call ... --ca rpcnet-dev-cert.pem\`). Never use it in
production (see docs/production.md).

  --out DIR           where to write rpcnet-dev-cert.pem and rpcnet-dev-key.pem (default .)
  --host NAME         a DNS name or IP it is valid for (repeatable; default localhost,
                      127.0.0.1 and ::1)
  --days N            validity in days (default 30)
  --force             overwrite existing files
  --json              print {"cert":path,"key":path,"hosts":[...],"days":N}
  -h, --help          this help

Exit codes: 0 written, 1 could not write, 2 bad usage (or the files exist without --force).`;

export const CERT_FILE = 'rpcnet-dev-cert.pem';
export const KEY_FILE = 'rpcnet-dev-key.pem';

/** `rpcnet cert`. */
export async function certCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...COMMON_OPTIONS,
      out: { type: 'string', default: '.' },
      host: { type: 'string', multiple: true },
      days: { type: 'string', default: '30' },
      force: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${CERT_HELP}\n`);
    return EXIT_CODES.ok;
  }
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days) || days < 1 || days > 3650) {
    throw usageError(`--days must be a whole number from 1 to 3650, not "${values.days}"`);
  }
  const hosts = values.host ?? ['localhost', '127.0.0.1', '::1'];
  const dir = resolve(values.out);
  const certPath = join(dir, CERT_FILE);
  const keyPath = join(dir, KEY_FILE);
  if (!values.force && (existsSync(certPath) || existsSync(keyPath))) {
    throw usageError(`${certPath} or ${keyPath} exists; pass --force to overwrite`);
  }
  const certificate = createDevCertificate({ hosts, days });
  mkdirSync(dir, { recursive: true });
  writeFileSync(certPath, certificate.certPem, { mode: 0o644 });
  writeFileSync(keyPath, certificate.keyPem, { mode: 0o600 });
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ cert: certPath, key: keyPath, hosts, days })}\n`);
  } else {
    io.stdout.write(
      `wrote ${certPath}\nwrote ${keyPath} (mode 600)\nvalid ${days} days for ${hosts.join(', ')}; DEVELOPMENT ONLY\n`,
    );
  }
  return EXIT_CODES.ok;
}

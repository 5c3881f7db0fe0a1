import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '@rpcnet/base';
import { RpcClient, RpcError, type TlsOptions } from '@rpcnet/core';
import type { CliIo } from './cli-io.js';
import { COMMON_OPTIONS, millisecondsOption } from './common-options.js';
import { CliError, EXIT_CODES, usageError } from './exit-codes.js';

export const CALL_HELP = `Usage: rpcnet call <host:port> <method> <json> [options]

Makes one unary call and prints the response. The request is <json> sent as UTF-8 bytes (the
examples' JSON codec); a response that is JSON is printed as JSON, any other as base64.

  --ca FILE           trust this CA (PEM), e.g. the certificate written by \`rpcnet cert\`
  --cert FILE         client certificate (PEM), for servers that require mutual TLS
  --key FILE          the client certificate's private key (PEM)
  --server-name NAME  the name the server certificate must match, when not the host
  --insecure          DEVELOPMENT ONLY: accept any server certificate
  --timeout MS        deadline of the connect and of the call (default 10000)
  --json              print {"ok":true,"response":...} or {"ok":false,"error":{...}}
  -h, --help          this help

Example:
  rpcnet call 127.0.0.1:50051 Echo/Say '{"text":"hi"}' --ca rpcnet-dev-cert.pem

Exit codes: 0 the call succeeded, 2 bad usage (or unreadable TLS files), 3 the address could not
be reached, 4 the call ended with an RPC error (its code is printed).`;

/** `rpcnet call`. */
export async function callCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      ...COMMON_OPTIONS,
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'server-name': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      timeout: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${CALL_HELP}\n`);
    return EXIT_CODES.ok;
  }
  const [address, method, body] = positionals;
  if (
    address === undefined ||
    method === undefined ||
    body === undefined ||
    positionals.length > 3
  ) {
    throw usageError('expected: rpcnet call <host:port> <method> <json>');
  }
  try {
    JSON.parse(body);
  } catch (error) {
    throw usageError(`the request is not JSON: ${(error as Error).message}`);
  }
  const timeoutMs = millisecondsOption('timeout', values.timeout, 10_000);
  const tls: TlsOptions = {
    ...(values.ca === undefined ? {} : { ca: readPem('ca', values.ca) }),
    ...(values.cert === undefined ? {} : { cert: readPem('cert', values.cert) }),
    ...(values.key === undefined ? {} : { key: readPem('key', values.key) }),
    ...(values['server-name'] === undefined ? {} : { serverName: values['server-name'] }),
    ...(values.insecure ? { insecureSkipVerify: true } : {}),
  };

  let client: RpcClient;
  try {
    client = await RpcClient.connect(address, { tls, connectTimeoutMs: timeoutMs });
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message);
    throw new CliError(
      EXIT_CODES.unreachable,
      `could not connect to ${address}: ${messageOf(error)}`,
    );
  }
  try {
    const response = await client.unary(method, new TextEncoder().encode(body), { timeoutMs });
    const decoded = decodeResponse(response);
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ ok: true, response: decoded })}\n`
        : `${typeof decoded === 'string' ? decoded : JSON.stringify(decoded, null, 2)}\n`,
    );
    return EXIT_CODES.ok;
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    const failure = { code: error.code, message: error.message, notProcessed: error.notProcessed };
    if (values.json) io.stdout.write(`${JSON.stringify({ ok: false, error: failure })}\n`);
    else io.stderr.write(`rpcnet call: ${error.code}: ${error.message}\n`);
    return EXIT_CODES.callFailed;
  } finally {
    await client.close();
  }
}

/** JSON when the bytes are JSON text, else `{ base64 }`. */
function decodeResponse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

function readPem(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(
      `--${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`,
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

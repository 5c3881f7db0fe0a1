import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemberView } from '@rpcnet/management';
import { waitFor } from '@rpcnet/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cluster,
  createDevCertificate,
  ErrorCode,
  localClusterConfig,
  ManagementServer,
  RpcError,
  RpcServer,
} from '../src/index.js';

const CLI = fileURLToPath(new URL('../bin/rpcnet.js', import.meta.url));
const TOKEN = 'cli-test-token-0123456789';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the installed command (bin/rpcnet.js over the built dist/) and waits for it to exit. */
function rpcnet(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, RPCNET_MANAGEMENT_TOKEN: '', RPCNET_GOSSIP_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A UDP port on 127.0.0.1 with nobody listening (bound, then released). */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('the rpcnet CLI against a live local cluster', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rpcnet-cli-'));
  let director: Cluster;
  let worker: Cluster;
  let management: ManagementServer;
  let server: RpcServer;
  let rpcAddress: string;

  beforeAll(async () => {
    director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director', label: 'director' } }),
    );
    worker = await Cluster.create(
      localClusterConfig({
        gossipPort: 0,
        seedNodes: [director.localNode().gossipAddress],
        rpcAddress: '127.0.0.1:9',
        tags: { role: 'worker', label: 'worker-1' },
      }),
    );
    await worker.join();
    await waitFor(() => director.members().length === 2, {
      timeoutMs: 10_000,
      message: 'the director sees the worker',
    });
    management = await ManagementServer.start({ cluster: director, token: TOKEN });

    const certificate = createDevCertificate();
    server = new RpcServer({ tls: { cert: certificate.certPem, key: certificate.keyPem } });
    server.unary('Echo/Say', (request) => request);
    server.unary('Echo/Binary', () => new Uint8Array([0xff, 0x00]));
    server.unary('Echo/Fail', () => {
      throw new RpcError(ErrorCode.FAILED_PRECONDITION, 'not today');
    });
    const bound = await server.start({ host: '127.0.0.1', port: 0 });
    rpcAddress = `${bound.host}:${bound.port}`;
    // The server's certificate, as `rpcnet cert` users would pass it with --ca.
    await import('node:fs').then((fs) =>
      fs.writeFileSync(join(dir, 'server-ca.pem'), certificate.certPem),
    );
  });

  afterAll(async () => {
    await management?.stop();
    await server?.stop({ graceMs: 0 });
    await worker?.stop();
    await director?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains itself: --help exits 0, no command or an unknown one exits 2', async () => {
    const help = await rpcnet('--help');
    expect(help.code).toBe(0);
    for (const command of ['members', 'watch', 'call', 'cert', 'Exit codes'])
      expect(help.stdout).toContain(command);
    for (const command of ['members', 'watch', 'call', 'cert']) {
      const own = await rpcnet(command, '--help');
      expect(own.code, command).toBe(0);
      expect(own.stdout, command).toMatch(new RegExp(`^Usage: rpcnet ${command}`));
      expect(own.stdout, command).toContain('--json');
    }
    expect((await rpcnet()).code).toBe(2);
    const unknown = await rpcnet('memebers');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "memebers"');
    const badOption = await rpcnet('members', '--sede', '127.0.0.1:1');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("'--sede'");
    expect((await rpcnet('members')).stderr).toContain('--seed host:port or --endpoint URL');
  });

  it('members --seed joins as an observer, lists the cluster (--json and table) and leaves', async () => {
    const seed = director.localNode().gossipAddress;
    const json = await rpcnet('members', '--seed', seed, '--json');
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout) as {
      version: number;
      source: string;
      members: MemberView[];
    };
    expect(document.version).toBe(1);
    expect(document.source).toBe('seed');
    expect(document.members.map((m) => m.id).sort()).toEqual([director.id, worker.id].sort());
    const listed = document.members.find((m) => m.id === worker.id);
    expect(listed).toMatchObject({
      state: 'alive',
      gossipAddress: worker.localNode().gossipAddress,
      rpcAddress: '127.0.0.1:9',
      tags: { role: 'worker', label: 'worker-1' },
      self: false,
    });
    expect(typeof listed?.incarnation).toBe('number');
    // The observer left on its way out: the cluster records it as left, not failed.
    await waitFor(
      () =>
        director
          .members({ includeDead: true })
          .some((m) => m.tags.role === 'observer' && m.state === 'left'),
      { timeoutMs: 10_000, message: 'the observer has left' },
    );

    const table = await rpcnet('members', '--seed', seed);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^MEMBER\s+ID\s+STATE\s+GOSSIP\s+RPC\s+INC\s+PHI\s+TAGS$/);
    expect(rows.some((row) => row.startsWith('worker-1') && row.includes('alive'))).toBe(true);
    expect(rows.at(-1)).toMatch(/^2 alive, 0 suspect, 0 dead/);
  });

  it('members fails with exit code 3 when the seed or endpoint is unreachable', async () => {
    const port = await closedUdpPort();
    const started = performance.now();
    const run = await rpcnet(
      'members',
      '--seed',
      `127.0.0.1:${port}`,
      '--timeout',
      '1000',
      '--json',
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`could not join through 127.0.0.1:${port}`);
    expect(performance.now() - started).toBeLessThan(15_000);

    const endpoint = await rpcnet(
      'members',
      '--endpoint',
      `http://127.0.0.1:${port}/`,
      '--timeout',
      '1000',
    );
    expect(endpoint.code).toBe(3);
    expect(endpoint.stderr).toContain('could not reach');
    expect((await rpcnet('members', '--seed', 'no-port-here')).code).toBe(2);
  });

  it('members --endpoint reads a management endpoint, with its token', async () => {
    const refused = await rpcnet('members', '--endpoint', management.url);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('--token');
    const run = await rpcnet('members', '--endpoint', management.url, '--token', TOKEN, '--json');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as {
      version: number;
      source: string;
      members: MemberView[];
    };
    expect(document).toMatchObject({ version: 1, source: 'endpoint' });
    expect(document.members.find((m) => m.self)?.id).toBe(director.id);
    expect(document.members.some((m) => m.id === worker.id && m.state === 'alive')).toBe(true);
  });

  it('watch redraws the table: one JSON document per frame, or frames of text', async () => {
    const run = await rpcnet(
      'watch',
      '--endpoint',
      management.url,
      '--token',
      TOKEN,
      '--interval',
      '50',
      '--count',
      '3',
      '--json',
    );
    expect(run.code).toBe(0);
    const frames = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(frames).toHaveLength(3);
    for (const frame of frames) {
      expect(frame).toMatchObject({ version: 1, source: 'endpoint' });
      expect(typeof frame.at).toBe('number');
      // Observers of the earlier tests are still listed, as left.
      const alive = (frame.members as MemberView[]).filter((m) => m.state === 'alive');
      expect(alive.map((m) => m.id).sort()).toEqual([director.id, worker.id].sort());
    }
    const text = await rpcnet(
      'watch',
      '--seed',
      director.localNode().gossipAddress,
      '--interval',
      '50',
      '--count',
      '2',
    );
    expect(text.code).toBe(0);
    expect(text.stdout.match(/^rpcnet watch · .* · 2 alive, 0 suspect/gm)).toHaveLength(2);
    expect((await rpcnet('watch', '--endpoint', management.url, '--count', 'x')).code).toBe(2);
  });

  it('call makes a unary call over TLS and reports success, RPC errors and unreachable servers', async () => {
    const ca = join(dir, 'server-ca.pem');
    const ok = await rpcnet('call', rpcAddress, 'Echo/Say', '{"text":"hi"}', '--ca', ca, '--json');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, response: { text: 'hi' } });
    const pretty = await rpcnet('call', rpcAddress, 'Echo/Say', '{"n":1}', '--ca', ca);
    expect(pretty.stdout).toBe('{\n  "n": 1\n}\n');
    const binary = await rpcnet('call', rpcAddress, 'Echo/Binary', '{}', '--insecure', '--json');
    expect(JSON.parse(binary.stdout)).toEqual({ ok: true, response: { base64: '/wA=' } });

    const failed = await rpcnet('call', rpcAddress, 'Echo/Fail', '{}', '--ca', ca, '--json');
    expect(failed.code).toBe(4);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FAILED_PRECONDITION, message: expect.stringContaining('not today') },
    });
    const missing = await rpcnet('call', rpcAddress, 'Echo/Nope', '{}', '--ca', ca);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/rpcnet call: \S+:/);

    const port = await closedUdpPort();
    const unreachable = await rpcnet(
      'call',
      `127.0.0.1:${port}`,
      'Echo/Say',
      '{}',
      '--ca',
      ca,
      '--timeout',
      '1000',
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`could not connect to 127.0.0.1:${port}`);
    expect((await rpcnet('call', rpcAddress, 'Echo/Say', '{not json', '--ca', ca)).code).toBe(2);
    expect((await rpcnet('call', rpcAddress, 'Echo/Say')).code).toBe(2);
    expect(
      (await rpcnet('call', rpcAddress, 'Echo/Say', '{}', '--ca', join(dir, 'absent.pem'))).code,
    ).toBe(2);
  });

  it('cert writes a development certificate that call can trust', async () => {
    const out = join(dir, 'certs');
    const run = await rpcnet(
      'cert',
      '--out',
      out,
      '--host',
      'localhost',
      '--host',
      '127.0.0.1',
      '--days',
      '7',
      '--json',
    );
    expect(run.code).toBe(0);
    const written = JSON.parse(run.stdout) as {
      cert: string;
      key: string;
      hosts: string[];
      days: number;
    };
    expect(written).toEqual({
      cert: join(out, 'rpcnet-dev-cert.pem'),
      key: join(out, 'rpcnet-dev-key.pem'),
      hosts: ['localhost', '127.0.0.1'],
      days: 7,
    });
    expect(readFileSync(written.cert, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
    expect(readFileSync(written.key, 'utf8')).toContain('PRIVATE KEY-----');
    expect(statSync(written.key).mode & 0o777).toBe(0o600);
    const again = await rpcnet('cert', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await rpcnet('cert', '--out', out, '--force')).code).toBe(0);
    expect((await rpcnet('cert', '--days', '0')).code).toBe(2);

    // A server presenting the written certificate is trusted by `call --ca` with that file.
    const tlsServer = new RpcServer({
      tls: { cert: readFileSync(written.cert, 'utf8'), key: readFileSync(written.key, 'utf8') },
    });
    tlsServer.unary('Echo/Say', (request) => request);
    const bound = await tlsServer.start({ host: '127.0.0.1', port: 0 });
    try {
      const call = await rpcnet(
        'call',
        `127.0.0.1:${bound.port}`,
        'Echo/Say',
        '"ok"',
        '--ca',
        written.cert,
        '--json',
      );
      expect(JSON.parse(call.stdout)).toEqual({ ok: true, response: 'ok' });
    } finally {
      await tlsServer.stop({ graceMs: 0 });
    }
  });
});

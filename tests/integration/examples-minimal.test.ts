import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '@rpcnet/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleProcess, processExists } from '../fixtures/examples/example-process.js';

describe('examples/minimal: a seed, two workers and a client in about 20 lines each', () => {
  const started: ExampleProcess[] = [];
  let certDir: string | undefined;
  afterEach(() => {
    for (const example of started.splice(0)) example.kill();
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  });

  it('the client calls both workers through the cluster, and every process stops on Ctrl-C', async () => {
    certDir = mkdtempSync(join(tmpdir(), 'rpcnet-minimal-test-'));
    const seedPort = await freeUdpPort();
    const env = { RPCNET_DEV_CERT_DIR: certDir, SEED: `127.0.0.1:${seedPort}` };
    const run = (name: string, script: string, extra: NodeJS.ProcessEnv = {}) => {
      const example = new ExampleProcess(name, script, { ...env, ...extra });
      started.push(example);
      return example;
    };
    const seed = run('seed', 'minimal/seed.ts', { SEED_PORT: String(seedPort) });
    await seed.waitFor(() => seed.lines.some((l) => l.startsWith('seed at ')), 'the seed');
    const workers = [run('worker-a', 'minimal/worker.ts'), run('worker-b', 'minimal/worker.ts')];
    await seed.waitFor(
      () => seed.lines.filter((l) => l.startsWith('joined: worker')).length === 2,
      'both workers to join',
    );
    for (const worker of workers) {
      await worker.waitFor(
        () => worker.lines.some((l) => /^worker serving at 127\.0\.0\.1:\d+ \(pid \d+\)$/.test(l)),
        `${worker.name} to print its address and pid`,
      );
    }

    const client = run('client', 'minimal/client.ts');
    expect(await client.exited, client.output()).toEqual({ code: 0, signal: null });
    const answers = client.lines.filter((l) => l.includes(' -> '));
    expect(answers.map((l) => l.split(' (')[0])).toEqual([
      'hello -> HELLO',
      'from -> FROM',
      'the -> THE',
      'cluster -> CLUSTER',
    ]);
    // Round robin: both workers answered.
    expect(new Set(answers.map((l) => /worker at (\S+)\)/.exec(l)?.[1])).size).toBe(2);
    for (const worker of workers)
      expect(worker.lines.some((l) => l.startsWith('upper('))).toBe(true);

    for (const worker of workers) {
      worker.signal('SIGINT');
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
    }
    await seed.waitFor(
      () => seed.lines.filter((l) => l.startsWith('left: worker')).length === 2,
      'both workers to leave',
    );
    seed.signal('SIGINT');
    expect(await seed.exited).toEqual({ code: 0, signal: null });
    for (const example of started) expect(processExists(example.pid ?? -1)).toBe(false);
  });
});

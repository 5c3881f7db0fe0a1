import { ConfigError } from '@rpcnet/base';
import { ErrorCode } from '@rpcnet/core';
import { RoundRobin } from '@rpcnet/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClient } from '../src/index.js';
import { startFixture } from './support/client-fixture.js';

const clients: ClusterClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

describe('settings that cannot work are reported as such, never as dead workers', () => {
  it('refuses an unknown TLS option at construction, naming it', () => {
    const { registry } = startFixture(new RoundRobin(), ['w1']);
    expect(() => new ClusterClient(registry, { tls: { cafile: 'ca.pem' } as never })).toThrow(
      ConfigError,
    );
    expect(() => new ClusterClient(registry, { tls: { cafile: 'ca.pem' } as never })).toThrow(
      /cafile/,
    );
  });

  it('refuses observers that are not call observers, naming the field', () => {
    const { registry } = startFixture(new RoundRobin(), ['w1']);
    expect(() => new ClusterClient(registry, { observers: [{}] as never })).toThrow(ConfigError);
    expect(() => new ClusterClient(registry, { observers: [() => undefined] as never })).toThrow(
      /observers/,
    );
  });

  it('says what the first argument must be', () => {
    expect(() => new ClusterClient(null as never)).toThrow(
      /first argument must be a worker source such as a WorkerRegistry/,
    );
  });

  it('a CA file that cannot be read fails calls with FAILED_PRECONDITION: no retry, no ejection', async () => {
    const { registry } = startFixture(new RoundRobin(), ['w1', 'w2']);
    const client = new ClusterClient(registry, {
      tls: { ca: { path: '/nonexistent/rpcnet-ca.pem' } },
    });
    clients.push(client);
    for (let index = 0; index < 3; index += 1) {
      await expect(client.callWorker('echo', Uint8Array.of(1))).rejects.toMatchObject({
        code: ErrorCode.FAILED_PRECONDITION,
        message: expect.stringMatching(/"tls\.ca": cannot read \/nonexistent\/rpcnet-ca\.pem/),
      });
    }
    expect(registry.workers()).toHaveLength(2);
    expect(client.metrics).toMatchObject({ retries: 0, ejections: 0, noWorkers: 0 });
    expect(client.ejectedWorkers).toEqual([]);
    expect(client.pool.stats.dialFailures).toBe(0);
  });
});

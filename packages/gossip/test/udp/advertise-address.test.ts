import { afterEach, describe, expect, it } from 'vitest';
import {
  ADVERTISE_ADDR_ENV,
  checkAdvertisedHost,
  withAdvertiseAddrFromEnv,
} from '../../src/advertise-address.js';
import { Cluster } from '../../src/cluster.js';
import { localClusterConfig } from '../../src/config.js';
import { ClusterConfigError } from '../../src/errors.js';
import { seedsFrom } from '../../src/seed-discovery.js';

const running: Cluster[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
});

async function rejection(promise: Promise<unknown>): Promise<ClusterConfigError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ClusterConfigError);
  return error as ClusterConfigError;
}

describe('advertiseAddr from the environment', () => {
  it(`takes ${ADVERTISE_ADDR_ENV} when the config has no advertiseAddr, and only then`, () => {
    const env = { [ADVERTISE_ADDR_ENV]: ' 10.1.2.3 ' };
    expect(withAdvertiseAddrFromEnv(localClusterConfig(), env).advertiseAddr).toBe('10.1.2.3');
    expect(
      withAdvertiseAddrFromEnv(localClusterConfig({ advertiseAddr: '10.9.9.9' }), env)
        .advertiseAddr,
    ).toBe('10.9.9.9');
    expect(
      withAdvertiseAddrFromEnv(localClusterConfig(), { [ADVERTISE_ADDR_ENV]: '' }).advertiseAddr,
    ).toBe(undefined);
    expect(withAdvertiseAddrFromEnv(localClusterConfig(), {}).advertiseAddr).toBe(undefined);
  });

  it('a member advertises the address from the environment (the pod IP)', async () => {
    const cluster = await Cluster.create(localClusterConfig({ gossipPort: 0 }), {
      env: { [ADVERTISE_ADDR_ENV]: '10.1.2.3' },
    });
    running.push(cluster);
    expect(cluster.localNode().gossipAddress).toMatch(/^10\.1\.2\.3:\d+$/);
  });
});

describe('advertising an address no other machine can reach is a config error', () => {
  it('0.0.0.0 (or ::) is refused at start, naming advertiseAddr and the variable', async () => {
    for (const advertiseAddr of ['0.0.0.0', '::']) {
      const error = await rejection(
        Cluster.create(localClusterConfig({ gossipPort: 0, advertiseAddr })).then((cluster) => {
          running.push(cluster);
        }),
      );
      expect(error.field).toBe('advertiseAddr');
      expect(error.message).toContain(ADVERTISE_ADDR_ENV);
    }
  });

  it('loopback is refused when a seed is on another machine, at start or at join', async () => {
    const atStart = await rejection(
      Cluster.create(localClusterConfig({ gossipPort: 0, seedNodes: ['10.0.0.5:7946'] })).then(
        (cluster) => {
          running.push(cluster);
        },
      ),
    );
    expect(atStart.field).toBe('advertiseAddr');
    expect(atStart.message).toMatch(
      /would advertise loopback 127\.0\.0\.1 .*seed 10\.0\.0\.5:7946/,
    );

    const discovering = await Cluster.create(localClusterConfig({ gossipPort: 0 }), {
      seedDiscovery: seedsFrom(() => ['10.0.0.5:7946']),
    });
    running.push(discovering);
    const atJoin = await rejection(discovering.join());
    expect(atJoin.field).toBe('advertiseAddr');
  });

  it('loopback with loopback seeds, and any address with name seeds, are fine', () => {
    expect(() => checkAdvertisedHost('127.0.0.1', ['127.0.0.1:7946', '[::1]:7946'])).not.toThrow();
    expect(() => checkAdvertisedHost('::1', ['localhost:7946'])).not.toThrow();
    expect(() => checkAdvertisedHost('127.0.0.1', ['seed.svc:7946'])).not.toThrow();
    expect(() => checkAdvertisedHost('10.0.0.1', ['10.0.0.5:7946'])).not.toThrow();
  });
});

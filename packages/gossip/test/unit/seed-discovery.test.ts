import { describe, expect, it } from 'vitest';
import { dnsSeeds, dnsSrvSeeds } from '../../src/dns-seed-discovery.js';
import { ClusterConfigError, ClusterError, ClusterErrorCode } from '../../src/errors.js';
import { seedsFrom, staticSeeds } from '../../src/seed-discovery.js';
import { FakeDnsResolver } from './fake-dns-resolver.js';

async function failure(promise: Promise<unknown>): Promise<ClusterError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ClusterError);
  expect((error as ClusterError).code).toBe(ClusterErrorCode.SeedDiscoveryFailed);
  return error as ClusterError;
}

function configFailure(build: () => unknown): ClusterConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterConfigError);
    return error as ClusterConfigError;
  }
  throw new Error('expected a ClusterConfigError');
}

describe('staticSeeds', () => {
  it('answers the list as given and rejects an entry that is not host:port', async () => {
    await expect(staticSeeds(['10.0.0.1:7946', 'seed.example:7946']).discover()).resolves.toEqual([
      '10.0.0.1:7946',
      'seed.example:7946',
    ]);
    expect(configFailure(() => staticSeeds(['10.0.0.1'])).field).toBe('seeds');
  });
});

describe('seedsFrom', () => {
  it('answers what the function returns, sync or async', async () => {
    await expect(seedsFrom(() => ['10.0.0.1:7946']).discover()).resolves.toEqual(['10.0.0.1:7946']);
    await expect(seedsFrom(async () => ['[::1]:7946']).discover()).resolves.toEqual(['[::1]:7946']);
  });

  it('turns a throw or an answer that is not host:port strings into SEED_DISCOVERY_FAILED', async () => {
    await expect(
      seedsFrom(() => {
        throw new Error('registry down');
      }).discover(),
    ).rejects.toThrow('registry down');
    const error = await failure(seedsFrom(() => ['nonsense'], 'my registry').discover());
    expect(error.message).toContain('my registry returned ["nonsense"]');
    expect(configFailure(() => seedsFrom('x' as never)).field).toBe('discover');
  });
});

describe('dnsSeeds (A/AAAA)', () => {
  it('answers every A and AAAA address of the name at the port, sorted, IPv6 bracketed', async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('gossip.svc', ['10.0.0.9', '10.0.0.2']);
    resolver.aaaa.set('gossip.svc', ['fd00::1']);
    const seeds = dnsSeeds({ name: 'gossip.svc', port: 7946, resolver });
    expect(seeds.description).toBe('dns gossip.svc:7946');
    await expect(seeds.discover()).resolves.toEqual([
      '10.0.0.2:7946',
      '10.0.0.9:7946',
      '[fd00::1]:7946',
    ]);
  });

  it('asks only the chosen family', async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('gossip.svc', ['10.0.0.2']);
    resolver.aaaa.set('gossip.svc', ['fd00::1']);
    await expect(
      dnsSeeds({ name: 'gossip.svc', port: 1, resolver, family: 'ipv6' }).discover(),
    ).resolves.toEqual(['[fd00::1]:1']);
    expect(resolver.queries).toEqual(['AAAA gossip.svc']);
  });

  it('an empty answer (ENODATA) is no seeds; one family answering is enough', async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('v4only.svc', ['10.0.0.2']);
    resolver.srv.set('empty.svc', []);
    await expect(
      dnsSeeds({ name: 'v4only.svc', port: 7946, resolver }).discover(),
    ).resolves.toEqual(['10.0.0.2:7946']);
    await expect(dnsSeeds({ name: 'empty.svc', port: 7946, resolver }).discover()).resolves.toEqual(
      [],
    );
    resolver.a.set('none.svc', []);
    await expect(dnsSeeds({ name: 'none.svc', port: 7946, resolver }).discover()).resolves.toEqual(
      [],
    );
  });

  it('NXDOMAIN, a timeout or a server failure rejects naming the query and the code', async () => {
    const resolver = new FakeDnsResolver();
    const nxdomain = await failure(dnsSeeds({ name: 'gone.svc', port: 7946, resolver }).discover());
    expect(nxdomain.message).toBe('DNS A gone.svc failed: ENOTFOUND');
    resolver.a.set('slow.svc', { error: 'ETIMEOUT' });
    resolver.aaaa.set('slow.svc', { error: 'ENODATA' });
    const timeout = await failure(dnsSeeds({ name: 'slow.svc', port: 7946, resolver }).discover());
    expect(timeout.message).toBe('DNS A slow.svc failed: ETIMEOUT');
    resolver.aaaa.set('broken.svc', { error: 'ESERVFAIL' });
    resolver.a.set('broken.svc', { error: 'ENODATA' });
    const servfail = await failure(
      dnsSeeds({ name: 'broken.svc', port: 7946, resolver }).discover(),
    );
    expect(servfail.message).toBe('DNS AAAA broken.svc failed: ESERVFAIL');
  });

  it('rejects a bad name, port or family with a ClusterConfigError naming the field', () => {
    expect(configFailure(() => dnsSeeds({ name: '', port: 7946 })).field).toBe('name');
    expect(configFailure(() => dnsSeeds({ name: 'gossip.svc:7946', port: 7946 })).field).toBe(
      'name',
    );
    expect(configFailure(() => dnsSeeds({ name: 'gossip.svc', port: 0 })).field).toBe('port');
    expect(
      configFailure(() => dnsSeeds({ name: 'gossip.svc', port: 1, family: 'v4' as never })).field,
    ).toBe('family');
  });
});

describe('dnsSrvSeeds', () => {
  it("answers each target's addresses at the record's port", async () => {
    const resolver = new FakeDnsResolver();
    resolver.srv.set('_gossip._udp.svc', [
      { name: 'pod-a.svc', port: 7946 },
      { name: 'pod-b.svc', port: 7947 },
      { name: '10.0.0.3', port: 7000 },
    ]);
    resolver.a.set('pod-a.svc', ['10.0.0.1']);
    resolver.a.set('pod-b.svc', ['10.0.0.2']);
    resolver.aaaa.set('pod-b.svc', ['fd00::2']);
    const seeds = dnsSrvSeeds({ name: '_gossip._udp.svc', resolver });
    expect(seeds.description).toBe('dns-srv _gossip._udp.svc');
    await expect(seeds.discover()).resolves.toEqual([
      '10.0.0.1:7946',
      '10.0.0.2:7947',
      '10.0.0.3:7000',
      '[fd00::2]:7947',
    ]);
  });

  it('leaves out a target that does not resolve while others do, and fails when none does', async () => {
    const resolver = new FakeDnsResolver();
    resolver.srv.set('_gossip._udp.svc', [
      { name: 'pod-a.svc', port: 7946 },
      { name: 'gone.svc', port: 7946 },
    ]);
    resolver.a.set('pod-a.svc', ['10.0.0.1']);
    const seeds = dnsSrvSeeds({ name: '_gossip._udp.svc', resolver, family: 'ipv4' });
    await expect(seeds.discover()).resolves.toEqual(['10.0.0.1:7946']);
    resolver.a.delete('pod-a.svc');
    const error = await failure(seeds.discover());
    expect(error.message).toMatch(/DNS A (pod-a|gone)\.svc failed: ENOTFOUND/);
  });

  it('an SRV name with no records is no seeds; NXDOMAIN rejects', async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('_gossip._udp.svc', ['10.0.0.1']);
    await expect(dnsSrvSeeds({ name: '_gossip._udp.svc', resolver }).discover()).resolves.toEqual(
      [],
    );
    const error = await failure(dnsSrvSeeds({ name: '_gossip._udp.gone', resolver }).discover());
    expect(error.message).toBe('DNS SRV _gossip._udp.gone failed: ENOTFOUND');
  });
});

import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { destinationResolver, localDestinations } from '../../src/destination-names.js';

describe('localDestinations', () => {
  it('accepts the bound and advertised addresses, and nothing on another port or host', async () => {
    const isLocal = await localDestinations({
      bound: '10.0.0.5:7946',
      advertised: '203.0.113.9:17946',
    });
    expect(isLocal('10.0.0.5:7946')).toBe(true);
    expect(isLocal('203.0.113.9:17946')).toBe(true);
    expect(isLocal('10.0.0.6:7946')).toBe(false);
    expect(isLocal('10.0.0.5:7947')).toBe(false);
    expect(isLocal('not an address')).toBe(false);
  });

  it('for a wildcard bind accepts every local interface address, IPv4-mapped forms included', async () => {
    const isLocal = await localDestinations({ bound: '0.0.0.0:7946', advertised: '0.0.0.0:7946' });
    const ipv4 = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry?.family === 'IPv4')
      .map((entry) => entry!.address);
    expect(ipv4).toContain('127.0.0.1');
    for (const address of ipv4) expect(isLocal(`${address}:7946`)).toBe(true);
    expect(isLocal('[::ffff:127.0.0.1]:7946')).toBe(true);
    expect(isLocal('192.0.2.77:7946')).toBe(false);
  });

  it('resolves an advertised DNS name once and accepts both forms', async () => {
    const looked: string[] = [];
    const isLocal = await localDestinations({
      bound: '10.0.0.5:7946',
      advertised: 'gossip-0.example:7946',
      lookup: async (host) => {
        looked.push(host);
        return '10.0.0.5';
      },
    });
    expect(looked).toEqual(['gossip-0.example']);
    expect(isLocal('gossip-0.example:7946')).toBe(true);
    expect(isLocal('GOSSIP-0.example:7946')).toBe(true);
  });
});

describe('destinationResolver', () => {
  it('keeps IP literals, resolves names and caches them for the TTL', async () => {
    let now = 0;
    const looked: string[] = [];
    const resolve = destinationResolver({
      lookup: async (host) => {
        looked.push(host);
        return '10.1.2.3';
      },
      now: () => now,
      ttlMs: 1000,
    });
    expect(resolve('10.9.9.9:7946')).toBe('10.9.9.9:7946');
    expect(resolve('[::FFFF:10.9.9.9]:7946')).toBe('10.9.9.9:7946');
    expect(await resolve('seed.example:7946')).toBe('10.1.2.3:7946');
    expect(resolve('seed.example:7000')).toBe('10.1.2.3:7000');
    now = 1001;
    expect(await resolve('seed.example:7946')).toBe('10.1.2.3:7946');
    expect(looked).toEqual(['seed.example', 'seed.example']);
  });
});

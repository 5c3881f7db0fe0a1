import { type Logger, settle, VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { dnsSeeds } from '../../src/dns-seed-discovery.js';
import { ClusterErrorCode } from '../../src/errors.js';
import { seedsFrom } from '../../src/seed-discovery.js';
import { SEED_DISCOVERY_TIMEOUT_MS, SeedRefresher } from '../../src/seed-refresher.js';
import { FakeDnsResolver } from './fake-dns-resolver.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => {};
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (message, fields) => warnings.push(`${message} ${String(fields?.error)}`),
  };
}

describe('SeedRefresher', () => {
  it('answers the discovered seeds without this node, and counts discoveries', async () => {
    const refresher = new SeedRefresher({
      discovery: seedsFrom(() => ['10.0.0.1:7946', '10.0.0.2:7946', '10.0.0.1:7946']),
      clock: new VirtualClock(),
      isSelf: (address) => address === '10.0.0.2:7946',
    });
    expect(refresher.current()).toBeUndefined();
    await expect(refresher.discover()).resolves.toEqual(['10.0.0.1:7946']);
    expect(refresher.current()).toEqual(['10.0.0.1:7946']);
    expect(refresher.stats()).toMatchObject({ discoveries: 1, failures: 0, lastError: undefined });
  });

  it(`fails a resolver that hangs after the default ${SEED_DISCOVERY_TIMEOUT_MS} ms`, async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('gossip.svc', 'hang');
    resolver.aaaa.set('gossip.svc', 'hang');
    const clock = new VirtualClock();
    const refresher = new SeedRefresher({
      discovery: dnsSeeds({ name: 'gossip.svc', port: 7946, resolver }),
      clock,
    });
    const outcome = refresher.discover().then(
      () => 'answered',
      (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
    );
    await clock.advanceSettling(SEED_DISCOVERY_TIMEOUT_MS - 1);
    expect(refresher.stats().failures).toBe(0);
    await clock.advanceSettling(1);
    expect(await outcome).toBe(
      `${ClusterErrorCode.SeedDiscoveryFailed}: dns gossip.svc:7946 did not answer within 5000 ms`,
    );
    expect(refresher.stats()).toMatchObject({ failures: 1, consecutiveFailures: 1 });
  });

  it('keeps the last answer through failures, logs them and backs off exponentially', async () => {
    const resolver = new FakeDnsResolver();
    resolver.a.set('gossip.svc', ['10.0.0.1']);
    const clock = new VirtualClock();
    const logger = recordingLogger();
    const refresher = new SeedRefresher({
      discovery: dnsSeeds({ name: 'gossip.svc', port: 7946, resolver, family: 'ipv4' }),
      clock,
      logger,
      retryInitialMs: 100,
      retryMaxMs: 300,
    });
    await refresher.discover();
    resolver.a.set('gossip.svc', { error: 'ESERVFAIL' });
    const queriesAt = (): number => resolver.queries.length;
    // Refreshes at 0, then every 50 ms: after each failure, none until the backoff has passed.
    const attempts: number[] = [];
    for (let at = 0; at <= 1000; at += 50) {
      const before = queriesAt();
      refresher.refresh();
      await settle();
      if (queriesAt() > before) attempts.push(clock.now());
      await clock.advanceSettling(50);
    }
    // Waits of 100, 200, then 300 (the cap).
    expect(attempts).toEqual([0, 100, 300, 600, 900]);
    expect(refresher.current()).toEqual(['10.0.0.1:7946']);
    expect(refresher.stats()).toMatchObject({
      discoveries: 1,
      failures: 5,
      consecutiveFailures: 5,
      lastError: 'DNS A gossip.svc failed: ESERVFAIL',
      seeds: ['10.0.0.1:7946'],
    });
    expect(logger.warnings[0]).toBe(
      'gossip seed discovery failed DNS A gossip.svc failed: ESERVFAIL',
    );
    resolver.a.set('gossip.svc', ['10.0.0.5']);
    await clock.advanceSettling(300);
    refresher.refresh();
    await settle();
    expect(refresher.current()).toEqual(['10.0.0.5:7946']);
    expect(refresher.stats()).toMatchObject({ consecutiveFailures: 0, lastError: undefined });
  });

  it('runs one discovery at a time', async () => {
    let calls = 0;
    let answer: ((seeds: string[]) => void) | undefined;
    const refresher = new SeedRefresher({
      discovery: seedsFrom(() => {
        calls++;
        return new Promise<string[]>((resolve) => {
          answer = resolve;
        });
      }),
      clock: new VirtualClock(),
    });
    const first = refresher.discover();
    refresher.refresh();
    const second = refresher.discover();
    await settle();
    answer?.(['10.0.0.1:7946']);
    expect(await first).toEqual(['10.0.0.1:7946']);
    expect(await second).toEqual(['10.0.0.1:7946']);
    expect(calls).toBe(1);
  });
});

import {
  Cluster,
  type ClusterConfigInput,
  dnsSeeds,
  dnsSrvSeeds,
  localClusterConfig,
  type SeedDiscovery,
} from '@rpcnet/gossip';
import { waitFor } from '@rpcnet/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Dnsmasq, type DnsRecords, findDnsmasq } from '../fixtures/dns/dnsmasq.js';

/** Loopback timings fast enough for tests (probe every 200 ms, reconnect every 500 ms). */
const fastLoopback = (overrides: ClusterConfigInput) =>
  localClusterConfig({
    gossipPort: 0,
    probeIntervalMs: 200,
    probeTimeoutMs: 80,
    gossipIntervalMs: 50,
    suspicionMultiplier: 2,
    suspicionMaxTimeoutMultiplier: 2,
    reconnectIntervalMs: 500,
    joinTimeoutMs: 3000,
    joinRetryInitialMs: 100,
    joinRetryMaxMs: 400,
    ...overrides,
  });

const dnsmasqBinary = findDnsmasq();
const SRV_NAME = '_gossip._udp.workers.rpcnet.test';

describe('real DNS discovery: capability', () => {
  it('finds dnsmasq (installed by .ci/system-tests-setup.sh), or says loudly that it cannot run', () => {
    if (dnsmasqBinary === undefined) {
      console.warn(
        `\n${'!'.repeat(80)}\nREAL-DNS DISCOVERY TESTS SKIPPED: dnsmasq is not installed ` +
          `(apt-get install dnsmasq-base)\n${'!'.repeat(80)}`,
      );
    }
    // In CI the setup script installs it: missing there is a failure, not a skip.
    if (process.env.CI === 'true') expect(dnsmasqBinary).toBeDefined();
    expect(dnsmasqBinary === undefined || dnsmasqBinary.endsWith('dnsmasq')).toBe(true);
  });
});

describe.skipIf(dnsmasqBinary === undefined)(
  'seeds from a real DNS server (dnsmasq on 127.0.0.1)',
  { timeout: 30_000 },
  () => {
    let dns: Dnsmasq;
    const running: Cluster[] = [];
    beforeAll(async () => {
      dns = await Dnsmasq.start(dnsmasqBinary!, {});
    });
    afterAll(async () => {
      await dns?.stop();
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
    });

    async function startNode(
      seedDiscovery: SeedDiscovery,
      overrides: ClusterConfigInput = {},
    ): Promise<Cluster> {
      const cluster = await Cluster.create(fastLoopback(overrides), { seedDiscovery });
      running.push(cluster);
      return cluster;
    }

    const portOf = (cluster: Cluster): number => {
      const address = cluster.localNode().gossipAddress;
      return Number(address.slice(address.lastIndexOf(':') + 1));
    };

    /** SRV records naming each member as `m<port>.rpcnet.test` at its gossip port. */
    function srvRecords(members: readonly Cluster[]): DnsRecords {
      const a: Record<string, string[]> = {};
      const targets = members.map((member) => {
        const target = `m${portOf(member)}.rpcnet.test`;
        a[target] = ['127.0.0.1'];
        return { target, port: portOf(member) };
      });
      return { a, srv: { [SRV_NAME]: targets } };
    }

    const aliveIds = (cluster: Cluster): string[] =>
      cluster
        .members()
        .filter((member) => member.state === 'alive')
        .map((member) => member.id)
        .sort();

    it('members find each other only through SRV records', async () => {
      const srv = (): SeedDiscovery =>
        dnsSrvSeeds({ name: SRV_NAME, resolver: dns.resolver(), family: 'ipv4' });
      const members = [await startNode(srv()), await startNode(srv()), await startNode(srv())];
      await dns.serve(srvRecords(members));
      await Promise.all(members.map((member) => member.join()));
      const ids = members.map((member) => member.id).sort();
      await waitFor(() => members.every((member) => aliveIds(member).join() === ids.join()), {
        timeoutMs: 10_000,
        message: 'three members through SRV',
      });
      expect(members[0]!.metrics().seedDiscovery).toMatchObject({
        source: `dns-srv ${SRV_NAME}`,
        // Reconnect ticks before the records were served may have failed; the last one answered.
        consecutiveFailures: 0,
        lastError: undefined,
        seeds: expect.arrayContaining([`127.0.0.1:${portOf(members[1]!)}`]),
      });
    });

    it('members find each other only through A records (one address each, one port)', async () => {
      const name = 'gossip.rpcnet.test';
      const first = await startNode(
        dnsSeeds({ name, port: 1, resolver: dns.resolver(), family: 'ipv4' }),
        { bindAddr: '127.0.0.2' },
      );
      const port = portOf(first);
      await first.stop();
      running.splice(0);
      const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
      await dns.serve({ a: { [name]: hosts } });
      const members: Cluster[] = [];
      for (const host of hosts) {
        members.push(
          await startNode(dnsSeeds({ name, port, resolver: dns.resolver(), family: 'ipv4' }), {
            bindAddr: host,
            gossipPort: port,
          }),
        );
      }
      await Promise.all(members.map((member) => member.join()));
      const ids = members.map((member) => member.id).sort();
      await waitFor(() => members.every((member) => aliveIds(member).join() === ids.join()), {
        timeoutMs: 10_000,
        message: 'three members through A records',
      });
      expect(members[0]!.metrics().seedDiscovery?.seeds).toEqual([
        `127.0.0.3:${port}`,
        `127.0.0.4:${port}`,
      ]);
    });

    it('after every seed came back at a new address, a member not in DNS rejoins them', async () => {
      const srv = (): SeedDiscovery =>
        dnsSrvSeeds({ name: SRV_NAME, resolver: dns.resolver(), family: 'ipv4' });
      const seeds = [await startNode(srv()), await startNode(srv())];
      await dns.serve(srvRecords(seeds));
      await Promise.all(seeds.map((seed) => seed.join()));
      const worker = await startNode(srv());
      await worker.join();
      await waitFor(() => aliveIds(worker).length === 3, {
        timeoutMs: 10_000,
        message: 'worker sees both seeds',
      });

      // Both seeds die; their replacements come up at new ports and are published in DNS.
      await Promise.all(seeds.map((seed) => seed.stop()));
      const replacements = [await startNode(srv()), await startNode(srv())];
      await dns.serve(srvRecords(replacements));
      await Promise.all(replacements.map((seed) => seed.join()));
      const ids = [worker, ...replacements].map((member) => member.id).sort();
      await waitFor(
        () => [worker, ...replacements].every((member) => aliveIds(member).join() === ids.join()),
        { timeoutMs: 15_000, message: 'the worker and both replacements in one cluster' },
      );
      expect(worker.metrics().seedDiscovery?.seeds).toEqual(
        replacements.map((seed) => `127.0.0.1:${portOf(seed)}`).sort(),
      );
    });
  },
);

import { waitFor } from '@rpcnet/test-utils';
import { createDevCertificate, type NodeState } from 'rpcnet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dnsmasq, type DnsRecords, findDnsmasq } from '../../fixtures/dns/dnsmasq.js';
import { describeCapabilities, probeNetnsCapabilities } from './capability.js';
import { type CallTally, MemberHandle, type MemberSpec } from './member-handle.js';
import { type LabHost, NetnsLab } from './netns-lab.js';
import { banner, netnsRequired } from './requirement.js';

// A rolling replacement of every worker of a cluster whose members find each other only through
// a real DNS server in the lab, while a client keeps calling.
const capabilities = probeNetnsCapabilities();
const dnsmasqBinary = findDnsmasq();
const runnable = capabilities.namespaces.available && dnsmasqBinary !== undefined;

const WORKER_COUNT = 5;
/** Hosts: n0 the client, n1..n5 the first workers, n6..n8 fresh addresses for replacements. */
const HOST_COUNT = 9;
const GOSSIP_PORT = 7946;
const RPC_PORT = 7947;
const DNS_PORT = 53;
const DOMAIN = 'rpcnet.test';
/** The A name: every worker's address (what a headless Service publishes). */
const SERVICE_NAME = `workers.${DOMAIN}`;
/** The SRV name: each worker's own name and its gossip port. */
const SRV_NAME = `_gossip._udp.workers.${DOMAIN}`;
/** Deadline of each call: room for two attempts on a crashed worker (1 s each) on a loaded machine. */
const CALL_TIMEOUT_MS = 5000;
/** Bound on every wait for membership to settle (generous: CI machines are loaded). */
const SETTLE_MS = 60_000;
/** Ids of members that were replaced: never alive again once gone. */
const GONE: readonly NodeState[] = ['dead', 'left'];

describe('DNS-discovered cluster in network namespaces: capability', () => {
  it('needs namespaces and dnsmasq; says loudly when it cannot run, and fails in CI', () => {
    console.log(describeCapabilities(capabilities));
    if (!runnable) {
      console.warn(
        banner(
          'NETNS DNS-DISCOVERY SUITE SKIPPED: this environment refuses it.\n' +
            `namespaces: ${capabilities.namespaces.detail}\n` +
            `dnsmasq: ${dnsmasqBinary ?? 'not installed (apt-get install dnsmasq-base)'}`,
        ),
      );
    }
    if (netnsRequired()) {
      expect(
        runnable,
        'CI=true or RPCNET_REQUIRE_NETNS=1, but the netns DNS suite cannot run',
      ).toBe(true);
    }
    expect(capabilities.namespaces.detail).not.toBe('');
  });
});

describe.skipIf(!runnable)(
  'DNS discovery across network namespaces: every worker replaced while a client calls',
  () => {
    let lab: NetnsLab | undefined;
    let dns: Dnsmasq | undefined;
    let caller: MemberHandle | undefined;
    /** The workers serving now (the DNS records list exactly these). */
    const workers: MemberHandle[] = [];
    /** Every member process started, for cleanup. */
    const started: MemberHandle[] = [];
    /** Workers replaced so far: id -> name. */
    const retired = new Map<string, string>();
    let certificate: ReturnType<typeof createDevCertificate> | undefined;

    const labOf = (): NetnsLab => {
      if (lab === undefined) throw new Error('the lab was not built');
      return lab;
    };
    const callerOf = (): MemberHandle => {
      if (caller === undefined) throw new Error('the client did not start');
      return caller;
    };
    const host = (index: number): LabHost => {
      const found = labOf().hosts[index];
      if (found === undefined) throw new Error(`no host n${index}`);
      return found;
    };
    const live = (): MemberHandle[] => [callerOf(), ...workers];
    const dnsServer = () => `${labOf().hubAddress}:${DNS_PORT}`;

    /** A and SRV records for the current workers: `<name>.rpcnet.test` each, plus the service. */
    function records(): DnsRecords {
      const a: Record<string, string[]> = {
        [SERVICE_NAME]: workers.map((worker) => worker.spec.address),
      };
      for (const worker of workers) a[`${worker.spec.name}.${DOMAIN}`] = [worker.spec.address];
      const targets = workers.map((worker) => ({
        target: `${worker.spec.name}.${DOMAIN}`,
        port: GOSSIP_PORT,
      }));
      return { a, srv: { [SRV_NAME]: targets } };
    }

    /** Starts a worker named `name` on `on`, finding the cluster through the SRV records only. */
    function startWorker(
      name: string,
      on: LabHost,
      options: Pick<MemberSpec, 'awaitStart'> = {},
    ): MemberHandle {
      if (certificate === undefined) throw new Error('no certificate');
      const spec: MemberSpec = {
        name,
        address: on.address,
        port: GOSSIP_PORT,
        joinThrough: [],
        seedNodes: [],
        discovery: { kind: 'dns-srv', name: SRV_NAME, server: dnsServer() },
        rpc: {
          role: 'worker',
          port: RPC_PORT,
          certPem: certificate.certPem,
          keyPem: certificate.keyPem,
        },
        ...options,
      };
      const worker = MemberHandle.start(labOf(), on, spec);
      started.push(worker);
      return worker;
    }

    /**
     * One cluster: every live member sees every live one alive, and every retired id it knows
     * as dead or left.
     */
    const converged = () => {
      const ids = live().map((member) => member.id);
      return live().every(
        (member) =>
          ids.every((id) => member.view.get(id) === 'alive') &&
          [...retired.keys()].every((id) => {
            const state = member.view.get(id);
            return state === undefined || GONE.includes(state);
          }),
      );
    };

    /** When the client first saw `id` suspected, failed or gone: it routes no new call there after. */
    const unroutableSince = (id: string): number | undefined =>
      (['NodeSuspected', 'NodeFailed', 'NodeLeft'] as const)
        .flatMap((type) => callerOf().eventsOf(type))
        .filter((event) => event.node === id)
        .reduce<number | undefined>(
          (first, event) => Math.min(first ?? event.at, event.at),
          undefined,
        );

    beforeAll(async () => {
      const stale = NetnsLab.removeStale();
      if (stale.length > 0) console.warn(`netns: removed stale namespaces ${stale.join(', ')}`);
      const built = NetnsLab.create(HOST_COUNT);
      lab = built;
      certificate = createDevCertificate({ hosts: built.hosts.map((each) => each.address) });
      for (let slot = 1; slot <= WORKER_COUNT; slot += 1) {
        workers.push(startWorker(`w${slot}a`, host(slot)));
      }
      // The records list the five before any of them runs, as a headless Service would.
      dns = await Dnsmasq.start(dnsmasqBinary!, records(), {
        listenAddress: built.hubAddress,
        port: DNS_PORT,
        spawn: (binary, args) => built.spawnInHub(binary, args),
        listening: () => built.hubListensOnUdp(DNS_PORT),
      });
      await Promise.all(workers.map((worker) => worker.ready));
      const client = MemberHandle.start(built, host(0), {
        name: 'client',
        address: host(0).address,
        port: GOSSIP_PORT,
        joinThrough: [],
        seedNodes: [],
        discovery: { kind: 'dns', name: SERVICE_NAME, port: GOSSIP_PORT, server: dnsServer() },
        rpc: { role: 'caller', caPem: certificate.certPem },
      });
      started.push(client);
      caller = client;
      await client.ready;
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'the client and five workers to see each other alive',
      });
    }, 120_000);

    afterAll(async () => {
      await Promise.all(started.map((member) => member.stop()));
      await dns?.stop();
      lab?.destroy();
    }, 30_000);

    it('five workers on five hosts and the client find each other only through the DNS name', async () => {
      for (const member of live()) expect(member.spec.seedNodes).toEqual([]);
      const workerSeeds = workers.map((worker) => `${worker.spec.address}:${GOSSIP_PORT}`).sort();
      const discovered = await Promise.all(
        live().map(async (member) => (await member.metrics()).seedDiscovery),
      );
      expect(discovered[0]).toMatchObject({
        source: `dns ${SERVICE_NAME}:${GOSSIP_PORT}`,
        seeds: workerSeeds,
      });
      for (const [index, stats] of discovered.slice(1).entries()) {
        const own = `${workers[index]?.spec.address}:${GOSSIP_PORT}`;
        expect(stats).toMatchObject({
          source: `dns-srv ${SRV_NAME}`,
          seeds: workerSeeds.filter((seed) => seed !== own),
        });
      }
      expect(converged()).toBe(true);
    });

    it('every worker replaced one by one while the client calls (three at new addresses, one at the IP of a dead member, one at the IP of a member just killed): no call lost, one cluster, old ids retired and never routed to', async () => {
      const client = callerOf();
      const firstIds = workers.map((worker) => worker.id);
      const calling = client.callUntilStopped(4, CALL_TIMEOUT_MS, 20, 600_000);
      const log: string[] = [];
      /** Records `old` replaced by `fresh` in slot `slot` (1-based), the DNS records with it. */
      const replace = async (slot: number, old: MemberHandle, fresh: MemberHandle) => {
        workers[slot - 1] = fresh;
        retired.set(old.id, old.spec.name);
        await dns!.serve(records());
      };

      // Rolling update, as a Deployment with maxSurge 1 does it: the new pod first (it joins
      // through the names as they are), then the records move, then the old pod drains and leaves.
      for (let slot = 1; slot <= 3; slot += 1) {
        const old = workers[slot - 1]!;
        const fresh = startWorker(`w${slot}b`, host(WORKER_COUNT + slot));
        await fresh.ready;
        await waitFor(() => client.view.get(fresh.id) === 'alive', {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: `the client to see ${fresh.spec.name} alive`,
        });
        await replace(slot, old, fresh);
        await old.stop();
        const settledMs = await waitFor(converged, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: `one cluster after ${fresh.spec.name}`,
        });
        log.push(`${old.spec.name}->${fresh.spec.name} ${(settledMs / 1000).toFixed(1)} s`);
      }

      // A worker crashes (no leave); once every member holds it dead, its pod IP is reused.
      const dead = workers[3]!;
      await dead.kill();
      const deadKilledAt = Date.now();
      const deadAfterMs = await waitFor(
        () => live().every((member) => member === dead || member.view.get(dead.id) === 'dead'),
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: `every member to declare ${dead.spec.name} dead`,
        },
      );
      const atDeadIp = startWorker('w4b', host(4));
      await atDeadIp.ready;
      await replace(4, dead, atDeadIp);
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'one cluster after the dead IP was reused',
      });

      // The last crashes and its replacement (loaded beforehand) takes its IP and ports at once,
      // while the others still hold the old id alive or suspect at that address.
      const crashed = workers[4]!;
      const reuser = startWorker('w5b', host(5), { awaitStart: true });
      await reuser.loaded;
      await crashed.kill();
      const crashedKilledAt = Date.now();
      const oldStateAtReuse = client.view.get(crashed.id);
      reuser.begin();
      await reuser.ready;
      const retiredAfterMs = await waitFor(() => client.view.get(crashed.id) === 'dead', {
        timeoutMs: SETTLE_MS,
        intervalMs: 20,
        message: `the client to hold ${crashed.spec.name} dead`,
      });
      await replace(5, crashed, reuser);
      const reuseSettledMs = await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'one cluster after the instant reuse',
      });
      const takeovers = (await Promise.all(live().map((member) => member.metrics()))).reduce(
        (sum, metrics) => sum + metrics.addressTakeovers,
        0,
      );

      // The client re-resolves its name: its seeds become the workers' addresses now.
      const finalSeeds = workers.map((worker) => `${worker.spec.address}:${GOSSIP_PORT}`).sort();
      await waitFor(
        async () => (await client.metrics()).seedDiscovery?.seeds.join() === finalSeeds.join(),
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 250,
          message: "the client's DNS seeds to follow the records",
        },
      );
      client.stopCalling();
      const tally: CallTally = await calling;
      const after = await client.call(100, 4, CALL_TIMEOUT_MS);
      console.log(
        `netns DNS rolling replacement: ${log.join(', ')}; ${dead.spec.name} killed, dead everywhere ` +
          `after ${(deadAfterMs / 1000).toFixed(1)} s, its IP reused by ${atDeadIp.spec.name}; ` +
          `${crashed.spec.name} killed and ${reuser.spec.name} started at its IP while the client held ` +
          `it ${oldStateAtReuse}, dead for the client ${(retiredAfterMs / 1000).toFixed(1)} s after the ` +
          `new one joined: one cluster ${(reuseSettledMs / 1000).toFixed(1)} s later, address ` +
          `takeovers counted ${takeovers}; calls during: ${tally.ok} ok, failed ` +
          `${JSON.stringify(tally.failed)}, vanished ${tally.vanished}, slowest ${tally.slowestMs.toFixed(0)} ms`,
      );

      // No call lost: every call made during the replacements answered.
      expect(tally.vanished).toBe(0);
      expect(tally.failed).toEqual({});
      expect(tally.ok).toBeGreaterThan(0);
      // One cluster of new members: all five new ids serve, no first-generation id does.
      const newIds = workers.map((worker) => worker.id);
      expect(newIds.filter((id) => firstIds.includes(id))).toEqual([]);
      expect(after.ok).toBe(100);
      expect(Object.keys(after.byWorker).sort()).toEqual([...newIds].sort());
      // The instant reuse met the old id still alive or suspect: the takeover retired it.
      expect(['alive', 'suspect']).toContain(oldStateAtReuse);
      expect(takeovers).toBeGreaterThan(0);
      // An IP's new owner is a new member; the old id is dead everywhere (not left: it crashed)
      // and never alive again after the kill (no refutation from the new process).
      for (const [old, fresh, killedAt] of [
        [dead, atDeadIp, deadKilledAt],
        [crashed, reuser, crashedKilledAt],
      ] as const) {
        expect(fresh.id).not.toBe(old.id);
        for (const member of live()) {
          expect([undefined, 'dead']).toContain(member.view.get(old.id));
          const revived = [
            ...member.eventsOf('NodeRecovered', killedAt),
            ...member.eventsOf('NodeJoined', killedAt),
          ];
          expect(revived.filter((event) => event.node === old.id)).toEqual([]);
        }
      }
      // No call started after the client saw an old id suspected, failed or gone tried it.
      for (const [id, name] of retired) {
        const since = unroutableSince(id);
        expect(since, `the client saw ${name} go`).toBeDefined();
        expect(
          tally.routedTo[id] ?? 0,
          `a call started after ${name} was unroutable went to it`,
        ).toBeLessThanOrEqual(since!);
      }
    }, 420_000);
  },
);

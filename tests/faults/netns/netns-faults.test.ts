import { waitFor } from '@rpcnet/test-utils';
import { createDevCertificate, ErrorCode } from 'rpcnet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeCapabilities, probeNetnsCapabilities } from './capability.js';
import { MemberHandle, type MemberSpec } from './member-handle.js';
import { namespaceName } from './names.js';
import { listNamespaces, NetnsLab } from './netns-lab.js';
import { banner, netnsRequired } from './requirement.js';
import { UdpNoise } from './udp-noise-handle.js';

// Measured once, at collection time, by trying everything in a throwaway namespace.
const capabilities = probeNetnsCapabilities();
const runnable = capabilities.namespaces.available && capabilities.nftables.available;

const NODE_COUNT = 5;
const GOSSIP_PORT = 7946;
const RPC_PORT = 7947;
/** Deadline of each RPC in the call scenario. */
const CALL_TIMEOUT_MS = 3000;
const LOSSY_CALLS = 300;
/** Bound on every wait for membership to settle (generous: CI machines are loaded). */
const SETTLE_MS = 60_000;
/** How long a cluster shows no membership change before a fault is injected into it. */
const QUIET_MS = 4000;
/** A pause (SIGSTOP) shorter than half the localClusterConfig() preset's 1 s probe period. */
const SHORT_PAUSE_MS = 400;
/** Bound on how long one fault may take to accumulate its probes. */
const HOLD_BOUND_MS = 90_000;

describe('netns fault suite: capabilities of this machine', () => {
  it('records whether namespaces and nftables work here (the suite below needs both); the probe cleans up', () => {
    console.log(describeCapabilities(capabilities));
    if (!runnable) {
      console.warn(
        banner(
          'NETWORK-NAMESPACE FAULT SUITE SKIPPED: this environment refuses it.\n' +
            `namespaces: ${capabilities.namespaces.detail}\nnftables: ${capabilities.nftables.detail}`,
        ),
      );
    }
    for (const capability of Object.values(capabilities)) {
      expect(capability.detail).not.toBe('');
    }
    // Where the suite must run (CI, or RPCNET_REQUIRE_NETNS=1), a refusal is a failure, not a skip.
    if (netnsRequired()) {
      expect(
        runnable,
        'CI=true or RPCNET_REQUIRE_NETNS=1, but the netns fault suite cannot run',
      ).toBe(true);
    }
    if (capabilities.namespaces.available) {
      expect(listNamespaces().filter((name) => name === namespaceName('probe'))).toEqual([]);
    }
  });

  it('delay/jitter injection needs tc netem: says loudly when this kernel lacks it', () => {
    if (!capabilities.netem.available) {
      console.warn(
        banner(
          'DELAY/JITTER INJECTION UNAVAILABLE in this environment: the fixed delay + jitter\n' +
            'scenario does NOT run. Loss, partitions and tbf queueing delay (congestion) still do.\n' +
            `Why: ${capabilities.netem.detail}`,
        ),
      );
      expect(capabilities.netem.detail).toMatch(/netem/);
    } else {
      console.log('delay/jitter injection available: tc netem works here, its scenario runs');
      expect(capabilities.netem.detail).toBe('tc netem delay/jitter works');
    }
  });
});

describe.skipIf(!runnable)(
  'gossip across 5 network namespaces (veth + bridge, nftables faults)',
  () => {
    let lab: NetnsLab | undefined;
    const nodes: MemberHandle[] = [];
    const noise: UdpNoise[] = [];

    const labOf = (): NetnsLab => {
      if (lab === undefined) throw new Error('the lab was not built');
      return lab;
    };
    const node = (index: number): MemberHandle => {
      const found = nodes[index];
      if (found === undefined) throw new Error(`no node ${index}`);
      return found;
    };
    const allIds = () => nodes.map((each) => each.id);
    /** Every member sees all five, all alive. */
    const converged = () =>
      nodes.length === NODE_COUNT &&
      nodes.every(
        (each) =>
          each.view.size === NODE_COUNT && allIds().every((id) => each.view.get(id) === 'alive'),
      );
    const eventsOf = (type: Parameters<MemberHandle['eventsOf']>[0], since: number) =>
      nodes.flatMap((each) =>
        each.eventsOf(type, since).map((event) => ({ observer: each.spec.name, ...event })),
      );
    const nameOf = (id: string | undefined) =>
      nodes.find((each) => each.id === id)?.spec.name ?? String(id);
    const describeFailures = (since: number) =>
      eventsOf('NodeFailed', since).map(
        (event) => `${event.observer} saw ${nameOf(event.node)} fail`,
      );

    /**
     * Holds the current fault until every member has sent `probes` more probes (exposure measured
     * in protocol work, not wall time, so a slow machine gets the same test). `sample` runs on
     * every poll. Returns how long it took and the probes sent and failed meanwhile.
     */
    async function holdFault(what: string, probes: number, sample: () => void = () => undefined) {
      const before = await Promise.all(nodes.map((each) => each.metrics()));
      let after = before;
      const heldMs = await waitFor(
        async () => {
          sample();
          after = await Promise.all(nodes.map((each) => each.metrics()));
          return after.every(
            (metrics, index) => metrics.probesSent - (before[index]?.probesSent ?? 0) >= probes,
          );
        },
        {
          timeoutMs: HOLD_BOUND_MS,
          intervalMs: 500,
          message: `${probes} probes per member under ${what}`,
        },
      );
      const delta = (key: 'probesSent' | 'probesFailed') =>
        after.reduce((sum, metrics, index) => sum + metrics[key] - (before[index]?.[key] ?? 0), 0);
      return { heldMs, probesSent: delta('probesSent'), probesFailed: delta('probesFailed') };
    }

    /** One line: what the members reported since `since`. */
    const eventSummary = (since: number) =>
      (
        [
          'NodeSuspected',
          'NodeFailed',
          'NodeRecovered',
          'PartitionDetected',
          'PartitionHealed',
        ] as const
      )
        .map((type) => `${type} ${eventsOf(type, since).length}`)
        .join(', ');

    beforeAll(async () => {
      const stale = NetnsLab.removeStale();
      if (stale.length > 0) console.warn(`netns: removed stale namespaces ${stale.join(', ')}`);
      const built = NetnsLab.create(NODE_COUNT);
      lab = built;
      const addresses = built.hosts.map((host) => `${host.address}:${GOSSIP_PORT}`);
      // n0 calls (gossip member + registry + ClusterClient); n1..n4 are RPC workers.
      const certificate = createDevCertificate({ hosts: built.hosts.map((host) => host.address) });
      const spec = (index: number): MemberSpec => ({
        name: `n${index}`,
        address: built.hosts[index]?.address ?? '',
        port: GOSSIP_PORT,
        joinThrough: index === 0 ? [] : addresses.slice(0, 1),
        seedNodes: addresses,
        rpc:
          index === 0
            ? { role: 'caller', caPem: certificate.certPem }
            : {
                role: 'worker',
                port: RPC_PORT,
                certPem: certificate.certPem,
                keyPem: certificate.keyPem,
              },
      });
      const [first, ...others] = built.hosts;
      if (first === undefined) throw new Error('the lab has no hosts');
      nodes.push(MemberHandle.start(built, first, spec(0)));
      await node(0).ready;
      for (const host of others) nodes.push(MemberHandle.start(built, host, spec(host.index)));
      await Promise.all(nodes.map((each) => each.ready));
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'five members to see each other alive',
      });
    }, 120_000);

    afterEach(async () => {
      await Promise.all(noise.splice(0).map((sender) => sender.stop()));
      lab?.clearFaults();
    });

    afterAll(async () => {
      await Promise.all(nodes.map((each) => each.stop()));
      lab?.destroy();
    }, 30_000);

    it('RPC from n0 through ClusterClient to 4 workers on other hosts: 10% loss loses no call', async () => {
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'convergence before the calls',
      });
      const caller = node(0);
      const workerIds = nodes.slice(1).map((each) => each.id);
      const clean = await caller.call(100, 8, CALL_TIMEOUT_MS);
      expect(clean.ok).toBe(100);
      expect(Object.keys(clean.byWorker).sort()).toEqual([...workerIds].sort());

      const since = Date.now();
      labOf().setLoss(10);
      const lossy = await caller.call(LOSSY_CALLS, 8, CALL_TIMEOUT_MS);
      labOf().clearFaults();
      console.log(
        `netns RPC: clean 100/100 ok (slowest ${clean.slowestMs.toFixed(0)} ms); under 10% loss ` +
          `${lossy.ok}/${LOSSY_CALLS} ok, failed ${JSON.stringify(lossy.failed)}, vanished ${lossy.vanished}, ` +
          `slowest ${lossy.slowestMs.toFixed(0)} ms, by worker ${JSON.stringify(Object.values(lossy.byWorker))}`,
      );
      // Nothing vanishes, every failure is a typed RpcError, and QUIC recovers nearly every call.
      expect(lossy.vanished).toBe(0);
      const knownCodes: readonly string[] = Object.values(ErrorCode);
      expect(Object.keys(lossy.failed).filter((code) => !knownCodes.includes(code))).toEqual([]);
      expect(lossy.ok).toBeGreaterThanOrEqual(Math.floor(LOSSY_CALLS * 0.95));
      expect(describeFailures(since)).toEqual([]);
    }, 180_000);

    it('10% loss at every host: no false NodeFailed, membership stays whole', async () => {
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'convergence before the fault',
      });
      const since = Date.now();
      labOf().setLoss(10);
      const held = await holdFault('10% loss', 20);
      labOf().clearFaults();
      // A suspicion raised under loss must be refuted, not turned into a failure afterwards.
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'convergence after 10% loss',
      });
      console.log(
        `netns 10% loss for ${(held.heldMs / 1000).toFixed(1)} s: probes failed ${held.probesFailed}/${held.probesSent}; ` +
          eventSummary(since),
      );
      expect(describeFailures(since)).toEqual([]);
    }, 180_000);

    it('30% loss at every host: reports what happens, then membership re-converges (no lasting split)', async () => {
      await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'convergence before the fault',
      });
      const since = Date.now();
      labOf().setLoss(30);
      const held = await holdFault('30% loss', 10);
      labOf().clearFaults();
      const settleMs = await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'convergence after 30% loss',
      });
      // Every member that declared a partition under loss also declares it healed.
      for (const each of nodes) {
        const partitions = each.eventsOf('PartitionDetected', since).length;
        await waitFor(() => each.eventsOf('PartitionHealed', since).length >= partitions, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: `${each.spec.name} to report its partition healed`,
        });
      }
      console.log(
        `netns 30% loss for ${(held.heldMs / 1000).toFixed(1)} s: probes failed ${held.probesFailed}/${held.probesSent}; ` +
          `${eventSummary(since)}; false failures: [${describeFailures(since).join('; ')}]; ` +
          `all five alive everywhere ${(settleMs / 1000).toFixed(1)} s after the loss stopped`,
      );
      expect(converged()).toBe(true);
    }, 240_000);

    it('SIGSTOP: a short pause fails nobody; a long one is a failure, and the member is alive everywhere within 2 s of SIGCONT', async () => {
      const quietSince = () => Date.now() - QUIET_MS;
      const quiet = () =>
        converged() &&
        (['NodeSuspected', 'NodeFailed', 'NodeRecovered'] as const).every(
          (type) => eventsOf(type, quietSince()).length === 0,
        );
      await waitFor(quiet, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'a converged, quiet cluster before the pause',
      });
      const sleeper = node(3);
      const others = nodes.filter((each) => each !== sleeper);

      // Short: half a probe period. Probers wait a whole period for an ack, so nobody may fail it.
      const shortSince = Date.now();
      sleeper.freeze();
      await new Promise((resolve) => setTimeout(resolve, SHORT_PAUSE_MS));
      sleeper.thaw();
      const afterShort = await holdFault('the aftermath of a short pause', 5);
      const shortSummary = eventSummary(shortSince);
      expect(describeFailures(shortSince)).toEqual([]);

      // Long: until every other member has declared it failed.
      await waitFor(quiet, {
        timeoutMs: SETTLE_MS,
        intervalMs: 100,
        message: 'a quiet cluster before the long pause',
      });
      const longSince = Date.now();
      sleeper.freeze();
      const failedAfterMs = await waitFor(
        () => others.every((each) => each.view.get(sleeper.id) === 'dead'),
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 50,
          message: 'every other member to declare the frozen one failed',
        },
      );
      sleeper.thaw();
      const aliveAfterMs = await waitFor(converged, {
        timeoutMs: SETTLE_MS,
        intervalMs: 50,
        message: 'the thawed member alive everywhere',
      });
      console.log(
        `netns SIGSTOP: ${SHORT_PAUSE_MS} ms pause -> ${shortSummary} ` +
          `(${afterShort.probesSent} probes after it); long pause -> failed everywhere after ` +
          `${(failedAfterMs / 1000).toFixed(1)} s, alive everywhere ${aliveAfterMs.toFixed(0)} ms after SIGCONT; ` +
          `failures seen by the sleeper itself: ${sleeper.eventsOf('NodeFailed', longSince).length}`,
      );
      expect(aliveAfterMs).toBeLessThanOrEqual(2000);
      // It blamed nobody for its own stall.
      expect(sleeper.eventsOf('NodeFailed', longSince)).toEqual([]);
    }, 240_000);

    it('partition 2 vs 3: detected on both sides, then healed and re-converged', async () => {
      // From a settled cluster: converged, and no suspicion, failure or recovery for a few
      // seconds (the loss scenario before this one can leave refutations in flight).
      const quietSince = () => Date.now() - QUIET_MS;
      await waitFor(
        () =>
          converged() &&
          (['NodeSuspected', 'NodeFailed', 'NodeRecovered'] as const).every(
            (type) => eventsOf(type, quietSince()).length === 0,
          ),
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'a converged, quiet cluster before the partition',
        },
      );
      const sides: ReadonlyArray<readonly number[]> = [
        [0, 1],
        [2, 3, 4],
      ];
      const idsOf = (side: readonly number[]) => side.map((index) => node(index).id);
      const since = Date.now();
      labOf().partition(sides);
      const detectMs = await waitFor(
        () => nodes.every((each) => each.eventsOf('PartitionDetected', since).length > 0),
        { timeoutMs: SETTLE_MS, intervalMs: 100, message: 'every member to detect the partition' },
      );
      for (const [sideIndex, side] of sides.entries()) {
        const other = new Set(idsOf(sides[1 - sideIndex] ?? []));
        for (const index of side) {
          const [detected] = node(index).eventsOf('PartitionDetected', since);
          // Those it names unreachable are on the other side, never on its own.
          expect(detected?.unreachable?.length ?? 0).toBeGreaterThanOrEqual(2);
          expect(detected?.unreachable?.filter((id) => !other.has(id))).toEqual([]);
          expect(detected?.reachable).toContain(node(index).id);
        }
      }
      // Each side ends with the other side failed and its own side alive.
      await waitFor(
        () =>
          sides.every((side) =>
            side.every((index) =>
              allIds().every(
                (id) => node(index).view.get(id) === (idsOf(side).includes(id) ? 'alive' : 'dead'),
              ),
            ),
          ),
        { timeoutMs: SETTLE_MS, intervalMs: 100, message: 'each side to see the other as failed' },
      );

      // The caller (n0, with worker n1) keeps serving from its own side only.
      const during = await node(0).call(50, 8, CALL_TIMEOUT_MS);
      expect(during.ok).toBe(50);
      expect(Object.keys(during.byWorker)).toEqual([node(1).id]);

      const healedAt = Date.now();
      labOf().clearFaults();
      const healMs = await waitFor(
        () =>
          converged() &&
          nodes.every((each) => each.eventsOf('PartitionHealed', healedAt).length > 0),
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'every member to report the partition healed and see all five alive',
        },
      );
      for (const each of nodes) {
        const [healed] = each.eventsOf('PartitionHealed', healedAt);
        expect(healed?.rejoined?.length ?? 0).toBeGreaterThan(0);
      }
      // And the caller uses the workers across the healed link again.
      await waitFor(
        async () => Object.keys((await node(0).call(40, 8, CALL_TIMEOUT_MS)).byWorker).length === 4,
        {
          timeoutMs: SETTLE_MS,
          intervalMs: 500,
          message: 'calls from n0 to reach all four workers again',
        },
      );
      console.log(
        `netns partition 2|3: every member detected it ${(detectMs / 1000).toFixed(1)} s after the cut; ` +
          `all healed and re-converged ${(healMs / 1000).toFixed(1)} s after the link returned`,
      );
    }, 240_000);

    it.runIf(capabilities.tbf.available)(
      'congested uplink at one host (tbf 512 kbit/s, saturated): real queueing delay, no false NodeFailed',
      async () => {
        await waitFor(converged, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'convergence before the fault',
        });
        const built = labOf();
        const [target, congested] = [built.hosts[0], built.hosts[NODE_COUNT - 1]];
        if (target === undefined || congested === undefined) throw new Error('hosts missing');
        const rateKbit = 512;
        const since = Date.now();
        built.setRateLimit(congested, rateKbit, 100);
        // Slightly more than the link carries, so its queue stays full and gossip waits behind it.
        noise.push(
          UdpNoise.start(built, congested, {
            host: target.address,
            port: 9,
            kbitPerSecond: 600,
            datagramBytes: 1000,
          }),
        );
        const queueDelaysMs: number[] = [];
        const held = await holdFault('a congested uplink', 10, () => {
          const { backlogBytes } = built.queueStats(congested);
          queueDelaysMs.push((backlogBytes * 8) / rateKbit);
        });
        const { dropped } = built.queueStats(congested);
        await Promise.all(noise.splice(0).map((sender) => sender.stop()));
        built.clearFaults();
        await waitFor(converged, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'convergence after the congestion',
        });
        const sorted = [...queueDelaysMs].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
        console.log(
          `netns congested uplink (n${congested.index}) for ${(held.heldMs / 1000).toFixed(1)} s: queueing delay ` +
            `median ${median.toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms over ${sorted.length} samples, ` +
            `${dropped} packets tail-dropped; probes failed ${held.probesFailed}/${held.probesSent}; ${eventSummary(since)}`,
        );
        // The delay was real: the uplink's queue held tens of ms of traffic most of the time.
        expect(median).toBeGreaterThanOrEqual(30);
        expect(describeFailures(since)).toEqual([]);
      },
      180_000,
    );

    it.runIf(capabilities.netem.available)(
      'delay 40 ms ± 20 ms jitter at every host (tc netem): no false NodeFailed',
      async () => {
        await waitFor(converged, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'convergence before the fault',
        });
        const since = Date.now();
        labOf().setDelay(40, 20);
        const held = await holdFault('delay and jitter', 15);
        labOf().clearFaults();
        await waitFor(converged, {
          timeoutMs: SETTLE_MS,
          intervalMs: 100,
          message: 'convergence after delay and jitter',
        });
        console.log(
          `netns delay 40±20 ms for ${(held.heldMs / 1000).toFixed(1)} s: probes failed ${held.probesFailed}/${held.probesSent}; ` +
            eventSummary(since),
        );
        expect(describeFailures(since)).toEqual([]);
      },
      180_000,
    );
  },
);

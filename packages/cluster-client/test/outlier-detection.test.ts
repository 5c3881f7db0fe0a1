import { settle, type VirtualClock } from '@rpcnet/base';
import { ErrorCode, RpcError } from '@rpcnet/core';
import type { LoadBalancingStrategy, WorkerPredicate, WorkerRegistry } from '@rpcnet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ClusterClient,
  ClusterClientConfig,
  ConnectWorker,
  WorkerConnection,
} from '../src/index.js';
import { fakeClient, startFixture } from './support/client-fixture.js';
import { type FakeMembership, workerNode } from './support/fake-membership.js';
import { bytes, type FakeWorkers } from './support/fake-workers.js';

/** Always the lowest id (w1, then w2 when w1 is excluded, ...): makes selection exact. */
const lowestId: LoadBalancingStrategy = {
  name: 'lowest-id',
  pick: (candidates) => [...candidates].sort((a, b) => a.id.localeCompare(b.id))[0],
};

const unavailable = () => {
  throw new RpcError(ErrorCode.UNAVAILABLE, 'connection lost: peer vanished');
};

describe('ClusterClient outlier detection', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let membership: FakeMembership;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  function createClient(config: ClusterClientConfig = {}): ClusterClient {
    return fakeClient(registry, workers, clock, config);
  }

  /** Runs `count` calls one after the other; returns the worker that served each. */
  async function servedBy(count: number, filter?: WorkerPredicate): Promise<string[]> {
    const served: string[] = [];
    for (let i = 0; i < count; i += 1) {
      served.push((await client.callWorkerDetailed('compute', bytes(`${i}`), filter)).workerId);
    }
    return served;
  }

  beforeEach(() => {
    ({ clock, workers, membership, registry } = startFixture(lowestId, ['w1', 'w2', 'w3']));
    client = createClient();
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  it('ejects a worker after 3 consecutive connection failures and closes its connections', async () => {
    workers.setUnary('w1', unavailable);
    const attempts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      attempts.push((await client.callWorkerDetailed('compute', bytes('x'))).attempts);
    }
    expect(attempts).toEqual([2, 2, 2]);
    expect(client.ejectedWorkers).toEqual(['w1']);
    expect(client.metrics.ejections).toBe(1);
    expect(workers.connectionsTo('w1').every((connection) => connection.closed)).toBe(true);
    expect(client.pool.connectionCount('w1')).toBe(0);
    // Now calls go straight to another worker: no attempt is spent on w1.
    const result = await client.callWorkerDetailed('compute', bytes('y'));
    expect(result).toMatchObject({ workerId: 'w2', attempts: 1, failedWorkers: [] });
  });

  it('retires an ejected worker’s connection at once and closes it when its last call ends', async () => {
    client = createClient({ attemptTimeoutMs: 100 });
    let calls = 0;
    workers.setUnary('w1', (_request, call) => {
      calls += 1;
      return calls === 1 ? call.hang() : unavailable();
    });
    const slow = client.callWorkerDetailed('compute', bytes('slow'), undefined, {
      timeoutMs: 1000,
    });
    await settle();
    await servedBy(3);
    expect(client.ejectedWorkers).toEqual(['w1']);
    expect(client.pool.connectionCount('w1')).toBe(0);
    const connections = workers.connectionsTo('w1');
    // The connection still running the slow call stays open; the idle one is closed.
    expect(connections.map((connection) => connection.closed)).toEqual([false, true]);
    await clock.advanceSettling(100);
    await expect(slow).resolves.toMatchObject({ workerId: 'w2', failedWorkers: ['w1'] });
    expect(connections.every((connection) => connection.closed)).toBe(true);
    expect(workers.connectionsTo('w1')).toHaveLength(connections.length);
  });

  it('counts attempt timeouts of a silent worker', async () => {
    client = createClient({ attemptTimeoutMs: 100 });
    workers.setUnary('w1', (_request, call) => call.hang());
    for (let i = 0; i < 3; i += 1) {
      const call = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 1000 });
      await clock.advanceSettling(100);
      await expect(call).resolves.toMatchObject({ workerId: 'w2', failedWorkers: ['w1'] });
    }
    expect(client.ejectedWorkers).toEqual(['w1']);
  });

  it('does not eject on application errors, which also reset the failure count', async () => {
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'bad input');
    });
    for (let i = 0; i < 5; i += 1) {
      await expect(client.callWorker('compute', bytes('?'))).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
      });
    }
    expect(client.ejectedWorkers).toEqual([]);
    // 2 connection failures, an application error, 2 more: never 3 in a row.
    const sequence = [unavailable, unavailable, null, unavailable, unavailable];
    for (const step of sequence) {
      workers.setUnary('w1', () => {
        if (step === null) throw new RpcError(ErrorCode.NOT_FOUND, 'no such job');
        return step();
      });
      await client.callWorker('compute', bytes('x')).catch(() => undefined);
    }
    expect(client.ejectedWorkers).toEqual([]);
    expect(client.metrics.ejections).toBe(0);
  });

  it('does not count calls that end by their own deadline or cancellation', async () => {
    workers.setUnary('w1', (_request, call) => call.hang());
    for (let i = 0; i < 3; i += 1) {
      const outcome = client
        .callWorker('compute', bytes('x'), undefined, { timeoutMs: 100 })
        .catch((error: unknown) => error);
      await clock.advanceSettling(100);
      expect(await outcome).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    }
    expect(client.ejectedWorkers).toEqual([]);
  });

  it('lets the worker back in after the ejection period', async () => {
    client = createClient({ outlierDetection: { baseEjectionMs: 1000 } });
    workers.setUnary('w1', unavailable);
    await servedBy(3);
    expect(client.ejectedWorkers).toEqual(['w1']);
    workers.setUnary('w1', () => bytes('w1 is back'));
    await clock.advanceSettling(999);
    expect(await servedBy(1)).toEqual(['w2']);
    await clock.advanceSettling(1);
    expect(await servedBy(1)).toEqual(['w1']);
    expect(client.ejectedWorkers).toEqual([]);
  });

  it('ejects again for twice as long when the re-admitted worker still fails', async () => {
    client = createClient({ outlierDetection: { baseEjectionMs: 1000 } });
    workers.setUnary('w1', unavailable);
    await servedBy(3);
    await clock.advanceSettling(1000);
    // On probation: a single failure ejects it again, now for 2000 ms.
    expect(await servedBy(1)).toEqual(['w2']);
    expect(client.ejectedWorkers).toEqual(['w1']);
    expect(client.metrics.ejections).toBe(2);
    await clock.advanceSettling(1999);
    expect(client.ejectedWorkers).toEqual(['w1']);
    await clock.advanceSettling(1);
    expect(client.ejectedWorkers).toEqual([]);
  });

  it('never ejects more than maxEjectionFraction of the workers', async () => {
    client = createClient({ maxAttempts: 1 });
    for (const id of ['w1', 'w2', 'w3']) workers.setUnary(id, unavailable);
    const roundRobin = ['w1', 'w2', 'w3'];
    for (let i = 0; i < 12; i += 1) {
      const target = roundRobin[i % 3];
      await client
        .callWorker('compute', bytes('x'), (worker) => worker.id === target)
        .catch(() => undefined);
    }
    // floor(0.5 * 3) = 1: a network blip cannot empty the cluster.
    expect(client.ejectedWorkers).toEqual(['w1']);
  });

  it('still uses an ejected worker when it is the only one matching the filter', async () => {
    workers.setUnary('w1', unavailable);
    await servedBy(3);
    expect(client.ejectedWorkers).toEqual(['w1']);
    workers.setUnary('w1', () => bytes('ok'));
    expect(await servedBy(1, (worker) => worker.id === 'w1')).toEqual(['w1']);
  });

  it('forgets a worker removed from the registry: back in at once when it rejoins', async () => {
    workers.setUnary('w1', unavailable);
    await servedBy(3);
    expect(client.ejectedWorkers).toEqual(['w1']);
    membership.fail('w1');
    expect(client.ejectedWorkers).toEqual([]);
    workers.setUnary('w1', () => bytes('restarted'));
    membership.join(workerNode('w1'));
    expect(await servedBy(1)).toEqual(['w1']);
  });

  it('ejects nothing when disabled', async () => {
    client = createClient({ outlierDetection: { enabled: false } });
    workers.setUnary('w1', unavailable);
    expect(await servedBy(5)).toEqual(['w2', 'w2', 'w2', 'w2', 'w2']);
    expect(client.ejectedWorkers).toEqual([]);
    expect(client.metrics.retries).toBe(5);
  });

  it('gives up a dial that outlasts the attempt timeout and retries for free elsewhere', async () => {
    const hangingDial: ConnectWorker = (worker) =>
      worker.id === 'w1' ? new Promise<WorkerConnection>(() => undefined) : workers.connect(worker);
    client = createClient({ connect: hangingDial, attemptTimeoutMs: 100 });
    const tokens = client.retryTokens;
    const call = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 1000 });
    await clock.advanceSettling(100);
    await expect(call).resolves.toMatchObject({ workerId: 'w2', failedWorkers: ['w1'] });
    // The request never left: the retry did not take a budget token.
    expect(client.retryTokens).toBe(tokens);
    expect(client.metrics.retries).toBe(1);
  });

  it('validates the outlier detection options and names the bad field', () => {
    expect(() => createClient({ outlierDetection: { consecutiveFailures: 0 } })).toThrow(
      /"outlierDetection.consecutiveFailures"/,
    );
    expect(() => createClient({ outlierDetection: { maxEjectionFraction: 1.5 } })).toThrow(
      /"outlierDetection.maxEjectionFraction"/,
    );
    expect(() =>
      createClient({ outlierDetection: { baseEjectionMs: 10_000, maxEjectionMs: 1000 } }),
    ).toThrow(/"outlierDetection.baseEjectionMs"/);
  });
});

import { settle, type VirtualClock } from '@rpcnet/base';
import { ErrorCode } from '@rpcnet/core';
import type { LoadBalancingStrategy, WorkerRegistry } from '@rpcnet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterClient, ClusterClientConfig } from '../src/index.js';
import { fakeClient, startFixture } from './support/client-fixture.js';
import type { FakeMembership } from './support/fake-membership.js';
import { bytes, type FakeUnary, type FakeWorkers, text } from './support/fake-workers.js';

/** Always the first candidate (w1, then w2 when w1 is excluded, ...): makes failover order exact. */
const firstCandidate: LoadBalancingStrategy = {
  name: 'first',
  pick: (candidates) => candidates[0],
};

/** Samples a method needs before it gets an adaptive timeout or a hedge (the default). */
const MIN_SAMPLES = 20;

/** A handler answering after `ms` of the manual clock, or failing like the core client on abort. */
function answerAfter(clock: VirtualClock<'wall'>, ms: number): FakeUnary {
  return (request, call) =>
    new Promise((resolve, reject) => {
      const cancel = clock.setTimer(ms, () => resolve(bytes(`${call.workerId}:${text(request)}`)));
      call.options.signal?.addEventListener('abort', () => {
        cancel();
        reject(call.options.signal?.reason);
      });
    });
}

describe('ClusterClient default failover: adaptive attempt timeout and membership', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let membership: FakeMembership;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  function createClient(config: ClusterClientConfig = {}): ClusterClient {
    return fakeClient(registry, workers, clock, config);
  }

  /** Runs MIN_SAMPLES calls that each take `ms`, so the method has a latency estimate. */
  async function warmUp(ms: number): Promise<void> {
    for (const id of ['w1', 'w2', 'w3']) workers.setUnary(id, answerAfter(clock, ms));
    for (let i = 0; i < MIN_SAMPLES; i += 1) {
      const call = client.callWorker('compute', bytes('warm'));
      await clock.advanceSettling(ms);
      await call;
    }
  }

  beforeEach(() => {
    ({ clock, workers, membership, registry } = startFixture(firstCandidate, ['w1', 'w2', 'w3']));
    client = createClient();
    for (const id of ['w1', 'w2', 'w3']) workers.setUnary(id, answerAfter(clock, 10));
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  it('ends a call at once when its deadline already passed or its signal already aborted', async () => {
    await expect(
      client.callWorker('compute', bytes('x'), undefined, { deadline: clock.now() - 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    await expect(
      client.callWorker('compute', bytes('x'), undefined, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: ErrorCode.CANCELLED });
    expect(client.metrics).toMatchObject({ calls: 2, failed: 2 });
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0, 0]);
  });

  it('derives the attempt timeout from the method’s latency: none before 20 samples, then p99 x3', async () => {
    expect(client.attemptTimeoutFor('compute')).toBeUndefined();
    await warmUp(100);
    expect(client.attemptTimeoutFor('compute')).toBe(300);
    // Another method has its own estimate.
    expect(client.attemptTimeoutFor('other')).toBeUndefined();
  });

  it('gives up a silent worker’s attempt at the adaptive timeout and serves the call elsewhere', async () => {
    await warmUp(10);
    workers.setUnary('w1', (_request, call) => call.hang());
    const result = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 3000 });
    const settled = result.then(() => true);
    await clock.advanceSettling(199);
    expect(await Promise.race([settled, settle().then(() => false)])).toBe(false);
    await clock.advanceSettling(11);
    await expect(result).resolves.toMatchObject({
      workerId: 'w2',
      attempts: 2,
      failedWorkers: ['w1'],
    });
    expect(client.metrics).toMatchObject({ attemptTimeouts: 1, retries: 1, failed: 0 });
    // The given-up attempt was cancelled on the worker and released as a failure.
    expect(workers.connectionsTo('w1')[0]?.inFlight).toBe(0);
    expect(registry.getWorker('w1')).toMatchObject({ inFlight: 0 });
    expect(registry.getWorker('w1')?.latency.failures).toBe(1);
  });

  it('ejects a silent worker after three attempt timeouts, so calls stop going to it', async () => {
    await warmUp(10);
    workers.setUnary('w1', (_request, call) => call.hang());
    for (let i = 0; i < 3; i += 1) {
      const call = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 3000 });
      await clock.advanceSettling(210);
      await expect(call).resolves.toMatchObject({ workerId: 'w2' });
    }
    expect(client.ejectedWorkers).toEqual(['w1']);
    const next = client.callWorkerDetailed('compute', bytes('y'));
    await clock.advanceSettling(10);
    await expect(next).resolves.toMatchObject({ workerId: 'w2', attempts: 1 });
  });

  it('lets an attempt that cannot be retried run on past the timeout instead of failing it', async () => {
    await warmUp(10);
    workers.setUnary('w1', answerAfter(clock, 1000));
    const call = client.callWorkerDetailed('compute', bytes('x'), undefined, {
      idempotent: false,
      timeoutMs: 3000,
    });
    await clock.advanceSettling(1000);
    await expect(call).resolves.toMatchObject({ workerId: 'w1', attempts: 1 });
    expect(client.metrics).toMatchObject({ attemptTimeouts: 0, retries: 0 });
  });

  it('lets the attempt run on when the retry budget is spent', async () => {
    client = createClient({ retryBudget: { maxTokens: 0, minRetriesPerSecond: 0, ratio: 0 } });
    await warmUp(10);
    workers.setUnary('w1', answerAfter(clock, 1000));
    const call = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 3000 });
    await clock.advanceSettling(1000);
    await expect(call).resolves.toMatchObject({ workerId: 'w1', attempts: 1 });
    expect(client.metrics.retriesDenied).toBe(1);
  });

  it('with adaptiveTimeout disabled, a silent worker’s call waits for its deadline', async () => {
    client = createClient({ adaptiveTimeout: { enabled: false } });
    await warmUp(10);
    workers.setUnary('w1', (_request, call) => call.hang());
    const outcome = client
      .callWorker('compute', bytes('x'), undefined, { timeoutMs: 3000 })
      .catch((error: unknown) => error);
    await clock.advanceSettling(3000);
    expect(await outcome).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
  });

  it('sends a second attempt when membership suspects the worker, and takes the first answer', async () => {
    let cancelled = 0;
    workers.setUnary('w1', (_request, call) => {
      call.options.signal?.addEventListener('abort', () => {
        cancelled += 1;
      });
      return call.hang();
    });
    const call = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 3000 });
    await settle();
    membership.suspect('w1');
    await clock.advanceSettling(10);
    await expect(call).resolves.toMatchObject({ workerId: 'w2', attempts: 2 });
    expect(cancelled).toBe(1);
    expect(client.metrics).toMatchObject({ hedges: 1, failed: 0 });
    // The suspect is chosen no more while an alive worker matches.
    const next = client.callWorkerDetailed('compute', bytes('y'));
    await clock.advanceSettling(10);
    await expect(next).resolves.toMatchObject({ workerId: 'w2', attempts: 1 });
  });

  it('keeps the suspected worker’s answer when it comes first', async () => {
    workers.setUnary('w1', answerAfter(clock, 5));
    workers.setUnary('w2', answerAfter(clock, 50));
    const call = client.callWorkerDetailed('compute', bytes('x'));
    await settle();
    membership.suspect('w1');
    await clock.advanceSettling(5);
    await expect(call).resolves.toMatchObject({ workerId: 'w1', attempts: 2 });
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0, 0]);
  });

  it('does not send a non-idempotent call twice on suspicion; fails it at once when the worker is declared failed', async () => {
    workers.setUnary('w1', (_request, call) => call.hang());
    const call = client
      .callWorkerDetailed('compute', bytes('x'), undefined, { idempotent: false, timeoutMs: 3000 })
      .catch((error: unknown) => error);
    await settle();
    membership.suspect('w1');
    await settle();
    expect(client.metrics.hedges).toBe(0);
    membership.fail('w1');
    expect(await call).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { reason: 'worker-failed' },
    });
    expect(clock.now() - 1_000_000).toBe(0);
  });
});

describe('ClusterClient hedging', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let membership: FakeMembership;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  beforeEach(async () => {
    ({ clock, workers, membership, registry } = startFixture(firstCandidate, ['w1', 'w2', 'w3']));
    client = fakeClient(registry, workers, clock, { hedging: { enabled: true } });
    for (const id of ['w1', 'w2', 'w3']) workers.setUnary(id, answerAfter(clock, 10));
    for (let i = 0; i < MIN_SAMPLES; i += 1) {
      const call = client.callWorker('compute', bytes('warm'));
      await clock.advanceSettling(10);
      await call;
    }
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  it('sends a slow call to a second worker after twice the median and cancels the loser', async () => {
    let cancelled = 0;
    workers.setUnary('w1', (request, call) => {
      call.options.signal?.addEventListener('abort', () => {
        cancelled += 1;
      });
      return answerAfter(clock, 100)(request, call);
    });
    const call = client.callWorkerDetailed('compute', bytes('x'));
    await clock.advanceSettling(20);
    expect(client.metrics.hedges).toBe(1);
    await clock.advanceSettling(10);
    await expect(call).resolves.toMatchObject({ workerId: 'w2', attempts: 2, failedWorkers: [] });
    expect(cancelled).toBe(1);
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0, 0]);
    // The loser was released as cancelled: no failure is held against the slow worker.
    expect(registry.getWorker('w1')?.latency.failures).toBe(0);
  });

  it('does not hedge a call that answers within the delay, nor a non-idempotent one', async () => {
    const fast = client.callWorkerDetailed('compute', bytes('x'));
    await clock.advanceSettling(10);
    await expect(fast).resolves.toMatchObject({ attempts: 1 });
    workers.setUnary('w1', answerAfter(clock, 100));
    const once = client.callWorkerDetailed('compute', bytes('y'), undefined, {
      idempotent: false,
    });
    await clock.advanceSettling(100);
    await expect(once).resolves.toMatchObject({ workerId: 'w1', attempts: 1 });
    expect(client.metrics.hedges).toBe(0);
  });

  it('never hedges to a suspected worker', async () => {
    workers.setUnary('w1', answerAfter(clock, 100));
    workers.setUnary('w3', answerAfter(clock, 100));
    membership.suspect('w2');
    const call = client.callWorkerDetailed('compute', bytes('x'));
    await clock.advanceSettling(100);
    // w1, then a hedge to w3; the third attempt would have gone to the suspect w2.
    await expect(call).resolves.toMatchObject({ workerId: 'w1', attempts: 2 });
    expect(client.metrics.hedges).toBe(1);
    expect(workers.connectionsTo('w2')).toHaveLength(0);
  });

  it('hedges only while half the retry budget stays for failover retries', async () => {
    workers.setUnary('w1', answerAfter(clock, 100));
    const tokens = client.retryTokens;
    const calls = Array.from({ length: 30 }, () =>
      client.callWorkerDetailed('compute', bytes('x')),
    );
    await clock.advanceSettling(100);
    const results = await Promise.all(calls);
    // Each call deposits 0.2 tokens; hedges stop with 10 of the 20 tokens left.
    const bound = tokens + 0.2 * calls.length - 10;
    expect(client.metrics.hedges).toBeGreaterThan(0);
    expect(client.metrics.hedges).toBeLessThanOrEqual(bound);
    expect(client.retryTokens).toBeGreaterThanOrEqual(10);
    expect(results.filter((result) => result.attempts === 1)).toHaveLength(
      calls.length - client.metrics.hedges,
    );
  });
});

describe('ClusterClient default failover of streams', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let membership: FakeMembership;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  /** Tokens from the request's start index up to 5, one every 10 ms; w1 goes silent after 2. */
  function streams(silentAfter: number): void {
    for (const id of ['w1', 'w2']) {
      workers.setStream(id, async function* (request, call) {
        for (let token = Number(text(request)); token < 6; token += 1) {
          if (id === 'w1' && token === silentAfter) await call.hang();
          await new Promise<void>((resolve) => clock.setTimer(10, resolve));
          yield bytes(`${token}`);
        }
      });
    }
  }

  /** Collects the stream while the clock advances `ms` at most. */
  async function run(ms: number): Promise<string[]> {
    const got: string[] = [];
    const done = (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'), undefined, {
        resume: ({ messagesReceived }) => bytes(`${messagesReceived}`),
      })) {
        got.push(`${text(item.message)}@${item.workerId}`);
      }
    })();
    for (let elapsed = 0; elapsed < ms && got.length < 6; elapsed += 10)
      await clock.advanceSettling(10);
    await done;
    return got;
  }

  beforeEach(() => {
    ({ clock, workers, membership, registry } = startFixture(firstCandidate, ['w1', 'w2']));
    client = fakeClient(registry, workers, clock);
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  it('resumes elsewhere as soon as membership suspects the stream’s worker', async () => {
    streams(2);
    const got: string[] = [];
    const done = (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'), undefined, {
        resume: ({ messagesReceived }) => bytes(`${messagesReceived}`),
      })) {
        got.push(`${text(item.message)}@${item.workerId}`);
      }
    })();
    await clock.advanceSettling(20);
    expect(got).toEqual(['0@w1', '1@w1']);
    membership.suspect('w1');
    await clock.advanceSettling(40);
    await done;
    expect(got).toEqual(['0@w1', '1@w1', '2@w2', '3@w2', '4@w2', '5@w2']);
    expect(client.metrics).toMatchObject({ resumes: 1, succeeded: 1 });
  });

  it('resumes a silent stream after the adaptive bound on the gaps between its messages', async () => {
    streams(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 4; i += 1) expect(await run(100)).toHaveLength(6);
    // 24 gaps of 10 ms: the bound is its 200 ms floor.
    streams(2);
    const start = clock.now();
    const got = await run(1000);
    expect(got).toEqual(['0@w1', '1@w1', '2@w2', '3@w2', '4@w2', '5@w2']);
    // Two tokens, the 200 ms bound, four tokens elsewhere.
    expect(clock.now() - start).toBeLessThanOrEqual(20 + 200 + 40 + 10);
  });

  it('never cuts a stream that could not go on elsewhere', async () => {
    streams(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 4; i += 1) expect(await run(100)).toHaveLength(6);
    workers.setStream('w1', async function* () {
      yield bytes('0');
      await new Promise<void>((resolve) => clock.setTimer(1000, resolve));
      yield bytes('1');
    });
    const got: string[] = [];
    const done = (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'))) {
        got.push(text(item.message));
      }
    })();
    await clock.advanceSettling(1000);
    await done;
    expect(got).toEqual(['0', '1']);
    expect(client.metrics.retries).toBe(0);
  });
});

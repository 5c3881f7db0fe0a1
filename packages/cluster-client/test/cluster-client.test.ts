import { settle, type VirtualClock } from '@rpcnet/base';
import { ErrorCode, RpcError } from '@rpcnet/core';
import {
  LeastConnections,
  type LoadBalancingStrategy,
  RoundRobin,
  WorkerRegistry,
} from '@rpcnet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClusterClient,
  type ClusterClientConfig,
  ClusterClientConfigError,
  type ClusterClientEvent,
} from '../src/index.js';
import { fakeClient, startFixture } from './support/client-fixture.js';
import { type FakeMembership, workerNode } from './support/fake-membership.js';
import { bytes, type FakeCall, type FakeWorkers, text } from './support/fake-workers.js';

/** Always the first candidate (w1, then w2 when w1 is excluded, ...): makes failover order exact. */
const firstCandidate: LoadBalancingStrategy = {
  name: 'first',
  pick: (candidates) => candidates[0],
};

describe('ClusterClient', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let membership: FakeMembership;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  function createClient(config: ClusterClientConfig = {}): ClusterClient {
    return fakeClient(registry, workers, clock, config);
  }

  async function useRoundRobin(): Promise<void> {
    registry.stop();
    registry = new WorkerRegistry(membership, new RoundRobin(), { clock });
    registry.start();
    await client.close();
    client = createClient();
  }

  /** In-flight counts the registry holds for every worker. */
  function inFlight(): number[] {
    return registry.workers().map((worker) => worker.inFlight);
  }

  beforeEach(() => {
    ({ clock, workers, membership, registry } = startFixture(firstCandidate, ['w1', 'w2', 'w3']));
    client = createClient();
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  it('spreads calls over the workers and releases every lease with its latency', async () => {
    await useRoundRobin();
    const served = new Map<string, number>();
    for (let i = 0; i < 30; i += 1) {
      const result = await client.callWorkerDetailed('compute', bytes(`${i}`), 'role=worker');
      expect(text(result.response)).toBe(`${result.workerId}:${i}`);
      served.set(result.workerId, (served.get(result.workerId) ?? 0) + 1);
    }
    expect(Object.fromEntries(served)).toEqual({ w1: 10, w2: 10, w3: 10 });
    expect(inFlight()).toEqual([0, 0, 0]);
    expect(registry.workers().map((worker) => worker.latency.samples)).toEqual([10, 10, 10]);
    expect(workers.dials.sort()).toEqual(['w1', 'w2', 'w3']);
  });

  it('counts calls in flight exactly, so LeastConnections sees the real load', async () => {
    registry.stop();
    registry = new WorkerRegistry(membership, new LeastConnections(), { clock });
    registry.start();
    await client.close();
    client = createClient();
    for (const id of ['w1', 'w2', 'w3']) workers.setUnary(id, (_request, call) => call.hang());
    const controller = new AbortController();
    const calls = Array.from({ length: 9 }, () =>
      client.callWorker('slow', bytes('x'), undefined, { signal: controller.signal }),
    );
    await settle();
    expect(inFlight()).toEqual([3, 3, 3]);
    controller.abort();
    const results = await Promise.allSettled(calls);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(inFlight()).toEqual([0, 0, 0]);
    // Cancelled calls record neither a latency nor a failure.
    expect(registry.workers().map((worker) => worker.latency.failures)).toEqual([0, 0, 0]);
  });

  it('fails over to another worker when its worker becomes unavailable', async () => {
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'connection lost');
    });
    const events: ClusterClientEvent[] = [];
    client.onEvent((event) => events.push(event));
    const result = await client.callWorkerDetailed('compute', bytes('job'), 'role=worker');
    expect(events).toEqual([
      {
        type: 'Failover',
        method: 'compute',
        attempt: 2,
        workerId: 'w2',
        previousWorkerId: 'w1',
        code: ErrorCode.UNAVAILABLE,
      },
    ]);
    expect(result.workerId).toBe('w2');
    expect(result.attempts).toBe(2);
    expect(result.failedWorkers).toEqual(['w1']);
    expect(registry.getWorker('w1')?.latency.failures).toBe(1);
    expect(client.metrics).toMatchObject({ calls: 1, succeeded: 1, retries: 1 });
  });

  it('does not retry a non-idempotent call whose handler may have run', async () => {
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'connection lost');
    });
    await expect(
      client.callWorker('charge', bytes('once'), 'role=worker', { idempotent: false }),
    ).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: 'connection lost' });
    expect(client.metrics).toMatchObject({ failed: 1, retries: 0 });
  });

  it('retries a non-idempotent call that never reached a handler', async () => {
    workers.setReachable('w1', false);
    const result = await client.callWorkerDetailed('charge', bytes('once'), 'role=worker', {
      idempotent: false,
    });
    expect(result.workerId).toBe('w2');
    expect(result.failedWorkers).toEqual(['w1']);
  });

  it('does not fail over on an application error and does not count it against the worker', async () => {
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.INVALID_ARGUMENT, 'bad input');
    });
    await expect(client.callWorker('compute', bytes('?'))).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    expect(registry.getWorker('w1')?.latency).toMatchObject({ failures: 0, samples: 1 });
    expect(client.metrics.retries).toBe(0);
  });

  it('reports UNAVAILABLE with details promptly when every worker failed', async () => {
    client = createClient({ maxAttempts: 5 });
    for (const id of ['w1', 'w2', 'w3']) {
      workers.setUnary(id, () => {
        throw new RpcError(ErrorCode.UNAVAILABLE, `${id} is gone`);
      });
    }
    const error = await client.callWorker('compute', bytes('x')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { reason: 'no-workers', failedWorkers: 'w1,w2,w3', lastCode: 'UNAVAILABLE' },
    });
    expect(client.metrics.noWorkers).toBe(1);
    expect(inFlight()).toEqual([0, 0, 0]);
  });

  it('reports UNAVAILABLE (notProcessed) when no worker matches at all', async () => {
    await expect(client.callWorker('compute', bytes('x'), 'role=gpu')).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      notProcessed: true,
      details: { reason: 'no-workers', filter: 'role=gpu' },
    });
  });

  it('rejects a malformed filter with INVALID_ARGUMENT', async () => {
    await expect(client.callWorker('compute', bytes('x'), 'role')).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  it('stops after maxAttempts', async () => {
    for (const id of ['w1', 'w2', 'w3']) {
      workers.setUnary(id, () => {
        throw new RpcError(ErrorCode.UNAVAILABLE, `${id} is gone`);
      });
    }
    await expect(
      client.callWorker('compute', bytes('x'), undefined, { maxAttempts: 2 }),
    ).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, message: 'w2 is gone' });
    expect(workers.dials).toEqual(['w1', 'w2']);
  });

  it('stops retrying processed calls when the retry budget is spent', async () => {
    client = createClient({ retryBudget: { ratio: 0, minRetriesPerSecond: 0, maxTokens: 1 } });
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'w1 is gone');
    });
    workers.setUnary('w2', () => {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'w2 is gone');
    });
    // First call: w1 fails, the single token pays the retry on w2, which fails too; no token left.
    await expect(client.callWorker('compute', bytes('1'))).rejects.toMatchObject({
      message: 'w2 is gone',
    });
    expect(client.metrics).toMatchObject({ retries: 1, retriesDenied: 1 });
    expect(client.retryTokens).toBe(0);
  });

  it('refills the retry budget over time', async () => {
    client = createClient({ retryBudget: { ratio: 0, minRetriesPerSecond: 2, maxTokens: 1 } });
    workers.setUnary('w1', () => {
      throw new RpcError(ErrorCode.UNAVAILABLE, 'w1 is gone');
    });
    await client.callWorker('compute', bytes('1'));
    expect(client.retryTokens).toBe(0);
    await clock.advanceSettling(500);
    expect(client.retryTokens).toBe(1);
  });

  it('fails a hanging call with DEADLINE_EXCEEDED at its deadline and records the failure', async () => {
    workers.setUnary('w1', (_request, call) => call.hang());
    const call = client.callWorker('compute', bytes('x'), undefined, { timeoutMs: 500 });
    const outcome = call.catch((error: unknown) => error);
    await clock.advanceSettling(499);
    expect(inFlight()).toEqual([1, 0, 0]);
    await clock.advanceSettling(1);
    expect(await outcome).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    expect(inFlight()).toEqual([0, 0, 0]);
    expect(registry.getWorker('w1')?.latency.failures).toBe(1);
  });

  it('applies the default timeout when the caller sets none', async () => {
    client = createClient({ defaultTimeoutMs: 1000 });
    workers.setUnary('w1', (_request, call) => call.hang());
    const outcome = client.callWorker('compute', bytes('x')).catch((error: unknown) => error);
    await clock.advanceSettling(1000);
    expect(await outcome).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
  });

  it("hands the worker the call's deadline: the earliest of deadline and timeout, kept on failover", async () => {
    const seen: Array<[string, number | undefined]> = [];
    workers.setUnary('w1', (_request, call) => {
      seen.push(['w1', call.options.deadline]);
      throw new RpcError(ErrorCode.UNAVAILABLE, 'w1 is gone', { notProcessed: true });
    });
    workers.setUnary('w2', (request, call) => {
      seen.push(['w2', call.options.deadline]);
      return request;
    });
    const start = clock.now();
    await client.callWorker('compute', bytes('a'), undefined, { timeoutMs: 500 });
    expect(seen).toEqual([
      ['w1', start + 500],
      ['w2', start + 500],
    ]);
    seen.length = 0;
    await client.callWorker('compute', bytes('b'), undefined, {
      timeoutMs: 500,
      deadline: start + 300,
    });
    await client.callWorker('compute', bytes('c'), undefined, {
      timeoutMs: 200,
      deadline: start + 300,
    });
    expect(seen.map(([, deadline]) => deadline! - start)).toEqual([300, 300, 200, 200]);
    seen.length = 0;
    // No deadline from the caller: the default timeout (30 s) is the worker's deadline too.
    await client.callWorker('compute', bytes('d'));
    expect(seen.map(([id, deadline]) => [id, deadline! - start])).toContainEqual(['w2', 30_000]);
    expect(seen.every(([, deadline]) => deadline === start + 30_000)).toBe(true);
  });

  it("gives a slow attempt the call's deadline and cancels it when another takes over", async () => {
    client = createClient({ attemptTimeoutMs: 100 });
    let slow: FakeCall | undefined;
    workers.setUnary('w1', (_request, call) => {
      slow = call;
      return call.hang();
    });
    const start = clock.now();
    const result = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 1000 });
    await settle();
    // The attempt timeout is the client's to enforce: the worker may use the whole call's time.
    expect(slow?.options.deadline).toBe(start + 1000);
    expect(slow?.options.signal?.aborted).toBe(false);
    await clock.advanceSettling(100);
    await expect(result).resolves.toMatchObject({ workerId: 'w2' });
    expect(slow?.options.signal?.aborted).toBe(true);
  });

  it('abandons a slow attempt after attemptTimeoutMs and fails over within the deadline', async () => {
    client = createClient({ attemptTimeoutMs: 100 });
    workers.setUnary('w1', (_request, call) => call.hang());
    const result = client.callWorkerDetailed('compute', bytes('x'), undefined, { timeoutMs: 1000 });
    await clock.advanceSettling(100);
    await expect(result).resolves.toMatchObject({ workerId: 'w2', failedWorkers: ['w1'] });
  });

  it('cancels with CANCELLED when the caller aborts, releasing the lease as cancelled', async () => {
    workers.setUnary('w1', (_request, call) => call.hang());
    const controller = new AbortController();
    const call = client.callWorker('compute', bytes('x'), undefined, { signal: controller.signal });
    await settle();
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: ErrorCode.CANCELLED });
    expect(inFlight()).toEqual([0, 0, 0]);
    expect(registry.getWorker('w1')?.latency).toMatchObject({ failures: 0, samples: 0 });
    expect(client.metrics.retries).toBe(0);
  });

  it('fails over the calls running on a worker that is declared failed', async () => {
    workers.setUnary('w1', (_request, call) => call.hang());
    const call = client.callWorkerDetailed('compute', bytes('x'), 'role=worker');
    await settle();
    membership.fail('w1');
    await expect(call).resolves.toMatchObject({ workerId: 'w2', failedWorkers: ['w1'] });
    expect(workers.connectionsTo('w1')[0]?.closed).toBe(true);
    expect(client.pool.connectionCount('w1')).toBe(0);
  });

  it('stops choosing a failed worker and chooses it again once it is back', async () => {
    await useRoundRobin();
    await Promise.all([1, 2, 3].map(() => client.callWorker('compute', bytes('warm'))));
    membership.fail('w2');
    const during = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      during.add((await client.callWorkerDetailed('compute', bytes('x'))).workerId);
    }
    expect([...during].sort()).toEqual(['w1', 'w3']);
    membership.join(workerNode('w2'));
    const after = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      after.add((await client.callWorkerDetailed('compute', bytes('x'))).workerId);
    }
    expect([...after].sort()).toEqual(['w1', 'w2', 'w3']);
  });

  it('refuses calls after close()', async () => {
    await client.close();
    await expect(client.callWorker('compute', bytes('x'))).rejects.toMatchObject({
      code: ErrorCode.UNAVAILABLE,
    });
  });

  it('validates its config and names the bad field', () => {
    expect(() => createClient({ maxAttempts: 0 })).toThrow(ClusterClientConfigError);
    expect(() => createClient({ maxAttempts: 0 })).toThrow(/"maxAttempts"/);
    expect(() => createClient({ retryBudget: { ratio: 2 } })).toThrow(/"retryBudget.ratio"/);
    expect(() => createClient({ reconnect: { initialDelayMs: 5000, maxDelayMs: 100 } })).toThrow(
      /"reconnect.initialDelayMs"/,
    );
    expect(() => createClient({ bogus: 1 } as ClusterClientConfig)).toThrow(/"bogus"/);
  });
});

describe('ClusterClient.streamWorker', () => {
  let clock: VirtualClock<'wall'>;
  let workers: FakeWorkers;
  let registry: WorkerRegistry;
  let client: ClusterClient;

  beforeEach(() => {
    ({ clock, workers, registry } = startFixture(firstCandidate, ['w1', 'w2']));
    client = fakeClient(registry, workers, clock);
    // Each worker streams the tokens after the prefix it was asked to continue from.
    for (const id of ['w1', 'w2']) {
      workers.setStream(id, async function* (request) {
        const from = Number(text(request));
        for (let token = from; token < 6; token += 1) yield bytes(`${token}`);
      });
    }
  });

  afterEach(async () => {
    await client.close();
    registry.stop();
  });

  async function collect(
    stream: AsyncIterable<{ message: Uint8Array; workerId: string; part: number; index: number }>,
  ) {
    const got: string[] = [];
    for await (const item of stream) {
      got.push(`${item.index}:${text(item.message)}@${item.workerId}#${item.part}`);
    }
    return got;
  }

  it('yields every message labelled with its worker', async () => {
    const got = await collect(client.streamWorker('generate', bytes('0')));
    expect(got).toEqual(['0:0@w1#0', '1:1@w1#0', '2:2@w1#0', '3:3@w1#0', '4:4@w1#0', '5:5@w1#0']);
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0]);
  });

  it("hands the worker the stream's deadline, none by default", async () => {
    const deadlines: Array<number | undefined> = [];
    workers.setStream('w1', async function* (_request, call) {
      deadlines.push(call.options.deadline);
      yield bytes('0');
    });
    const start = clock.now();
    await collect(client.streamWorker('generate', bytes('0'), undefined, { timeoutMs: 700 }));
    await collect(client.streamWorker('generate', bytes('0')));
    expect(deadlines).toEqual([start + 700, undefined]);
  });

  it('resumes on another worker when its worker dies mid-stream and the caller allows it', async () => {
    workers.setStream('w1', async function* () {
      yield bytes('0');
      yield bytes('1');
      throw new RpcError(ErrorCode.UNAVAILABLE, 'connection lost');
    });
    const contexts: unknown[] = [];
    const events: ClusterClientEvent[] = [];
    const unsubscribe = client.onEvent((event) => events.push(event));
    const got = await collect(
      client.streamWorker('generate', bytes('0'), 'role=worker', {
        resume: (context) => {
          contexts.push({ ...context, error: context.error.code });
          return bytes(`${context.messagesReceived}`);
        },
      }),
    );
    expect(got).toEqual(['0:0@w1#0', '1:1@w1#0', '2:2@w2#1', '3:3@w2#1', '4:4@w2#1', '5:5@w2#1']);
    expect(contexts).toEqual([
      {
        originalRequest: bytes('0'),
        lastRequest: bytes('0'),
        messagesReceived: 2,
        failedWorkerId: 'w1',
        error: 'UNAVAILABLE',
      },
    ]);
    expect(events).toEqual([
      {
        type: 'StreamResumed',
        method: 'generate',
        failedWorkerId: 'w1',
        messagesReceived: 2,
        part: 1,
      },
      {
        type: 'Failover',
        method: 'generate',
        attempt: 2,
        workerId: 'w2',
        previousWorkerId: 'w1',
        code: ErrorCode.UNAVAILABLE,
      },
    ]);
    unsubscribe();
    expect(client.metrics).toMatchObject({ resumes: 1, succeeded: 1 });
    expect(registry.getWorker('w1')?.latency.failures).toBe(1);
  });

  it('ends with the worker’s error after partial output when resuming is not allowed', async () => {
    workers.setStream('w1', async function* () {
      yield bytes('0');
      throw new RpcError(ErrorCode.UNAVAILABLE, 'connection lost');
    });
    const got: string[] = [];
    const error = await (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'))) {
        got.push(text(item.message));
      }
    })().catch((caught: unknown) => caught);
    expect(got).toEqual(['0']);
    expect(error).toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(client.metrics).toMatchObject({ failed: 1, retries: 0 });
  });

  it('retries on another worker when the first fails before sending anything', async () => {
    workers.setReachable('w1', false);
    const got = await collect(client.streamWorker('generate', bytes('4')));
    expect(got).toEqual(['0:4@w2#0', '1:5@w2#0']);
  });

  it('cancels the call and releases the lease when the consumer stops early', async () => {
    let finished = false;
    workers.setStream('w1', async function* () {
      try {
        for (let token = 0; ; token += 1) yield bytes(`${token}`);
      } finally {
        finished = true;
      }
    });
    for await (const item of client.streamWorker('generate', bytes('0'))) {
      if (item.index === 2) break;
    }
    expect(finished).toBe(true);
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0]);
    expect(registry.getWorker('w1')?.latency).toMatchObject({ failures: 0, samples: 0 });
  });

  it('resumes elsewhere when a stream goes silent for streamIdleTimeoutMs, cancelling the silent one', async () => {
    await client.close();
    client = fakeClient(registry, workers, clock, { streamIdleTimeoutMs: 200 });
    workers.setStream('w1', async function* (_request, call) {
      yield bytes('0');
      yield bytes('1');
      await call.hang();
    });
    const got: string[] = [];
    const done = (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'), undefined, {
        resume: ({ messagesReceived, error }) => {
          expect(error.details).toMatchObject({ reason: 'stream-idle' });
          return bytes(`${messagesReceived}`);
        },
      })) {
        got.push(`${text(item.message)}@${item.workerId}`);
      }
    })();
    await clock.advanceSettling(199);
    expect(got).toEqual(['0@w1', '1@w1']);
    await clock.advanceSettling(1);
    await done;
    expect(got).toEqual(['0@w1', '1@w1', '2@w2', '3@w2', '4@w2', '5@w2']);
    expect(workers.connectionsTo('w1')[0]?.inFlight).toBe(0);
    expect(registry.workers().map((worker) => worker.inFlight)).toEqual([0, 0]);
  });

  it('fails with DEADLINE_EXCEEDED when the stream outlives its deadline', async () => {
    workers.setStream('w1', async function* (_request, call) {
      yield bytes('0');
      await call.hang();
    });
    const got: string[] = [];
    const outcome = (async () => {
      for await (const item of client.streamWorker('generate', bytes('0'), undefined, {
        timeoutMs: 300,
      })) {
        got.push(text(item.message));
      }
    })().catch((error: unknown) => error);
    await clock.advanceSettling(300);
    expect(await outcome).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED });
    expect(got).toEqual(['0']);
  });
});

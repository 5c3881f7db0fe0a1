import { waitFor } from '@rpcnet/test-utils';
import {
  Cluster,
  ClusterClient,
  createDevCertificate,
  ErrorCode,
  type LoadBalancingStrategy,
  localClusterConfig,
  RoundRobin,
  RpcError,
  WorkerRegistry,
} from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import { portOf, WorkerHandle, type WorkerReady } from '../fixtures/cluster/worker-handle.js';

// Development-only certificate made at run time; the director trusts it as the workers' CA.
const certificate = createDevCertificate();
const CALL_TIMEOUT_MS = 3000;
/** Time a settled call may take beyond its deadline (timer and event-loop latency). */
const SETTLE_SLACK_MS = 500;

const encode = (value: string) => new TextEncoder().encode(value);
const decode = (value: Uint8Array) => new TextDecoder().decode(value);

/** How one call ended. */
type Outcome =
  | { readonly ok: true; readonly label: string; readonly ms: number; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

describe('cluster failover over QUIC and UDP on 127.0.0.1', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A director (gossip member + registry + cluster client) and three worker processes. */
  async function startCluster() {
    const director = await Cluster.create(
      localClusterConfig({ gossipPort: 0, tags: { role: 'director' } }),
    );
    cleanups.push(() => director.stop());
    const picks: Array<{ readonly at: number; readonly id: string }> = [];
    const roundRobin = new RoundRobin();
    // Round robin, recording every choice so the test can see which workers are chosen when.
    const recording: LoadBalancingStrategy = {
      name: 'recording-round-robin',
      pick(candidates, context) {
        const chosen = roundRobin.pick(candidates, context);
        if (chosen !== undefined) picks.push({ at: performance.now(), id: chosen.id });
        return chosen;
      },
    };
    const registry = new WorkerRegistry(director, recording, { workerFilter: 'role=worker' });
    registry.start();
    cleanups.push(() => registry.stop());
    const removals: Array<{ readonly at: number; readonly id: string; readonly reason: string }> =
      [];
    registry.on('WorkerRemoved', ({ worker, reason }) =>
      removals.push({ at: performance.now(), id: worker.id, reason }),
    );
    const client = new ClusterClient(registry, {
      tls: { ca: certificate.certPem },
      attemptTimeoutMs: 500,
      // Tokens come every 5 ms: a second of silence means the worker is gone.
      streamIdleTimeoutMs: 1000,
      maxAttempts: 3,
    });
    cleanups.push(() => client.close());

    const seed = director.localNode().gossipAddress;
    const spec = (name: string) => ({
      name,
      seed,
      certPem: certificate.certPem,
      keyPem: certificate.keyPem,
      delayMs: 5,
    });
    const handles = ['worker-1', 'worker-2', 'worker-3'].map((name) =>
      WorkerHandle.start(spec(name)),
    );
    for (const handle of handles) cleanups.push(() => handle.kill());
    const ready = await Promise.all(handles.map((handle) => handle.ready));
    await waitFor(() => registry.size === 3, {
      timeoutMs: 15_000,
      message: 'the director sees three workers',
    });
    // Every worker has answered once (its connection is up) before anything is measured: on a
    // loaded machine a first handshake can outlast the 500 ms attempt timeout.
    const answered = new Set<string>();
    await waitFor(
      async () => {
        const result = await client
          .callWorkerDetailed('compute', encode('warm-up'), 'role=worker')
          .catch(() => undefined);
        if (result !== undefined) answered.add(decode(result.response).split(':')[0] ?? '');
        return answered.size === 3;
      },
      { timeoutMs: 15_000, message: () => `every worker answering (so far ${[...answered]})` },
    );
    picks.length = 0;
    return { director, registry, client, picks, removals, handles, ready, spec };
  }

  /** Runs `count` compute calls, at most `concurrency` at a time; `before(i)` runs before call i. */
  async function runCalls(
    client: ClusterClient,
    count: number,
    concurrency: number,
    before: (index: number) => Promise<void> = async () => undefined,
  ): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const running = new Set<Promise<void>>();
    for (let index = 0; index < count; index += 1) {
      await before(index);
      const started = performance.now();
      const call = client
        .callWorkerDetailed('compute', encode(`${index}`), 'role=worker', {
          timeoutMs: CALL_TIMEOUT_MS,
        })
        .then(
          (result) => {
            const label = decode(result.response).split(':')[0] ?? '';
            outcomes[index] = {
              ok: true,
              label,
              ms: performance.now() - started,
              attempts: result.attempts,
            };
          },
          (error: unknown) => {
            outcomes[index] = { ok: false, error, ms: performance.now() - started };
          },
        )
        .finally(() => running.delete(call));
      running.add(call);
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    return outcomes;
  }

  function labels(outcomes: readonly Outcome[]): Set<string> {
    return new Set(outcomes.flatMap((outcome) => (outcome.ok ? [outcome.label] : [])));
  }

  it('spreads 300 calls, survives a killed worker, stops choosing it, and uses it again after restart', async () => {
    const { registry, client, picks, removals, handles, ready, spec } = await startCluster();
    const victim = ready[1] as WorkerReady;
    const victimHandle = handles[1] as WorkerHandle;
    let killedAt = 0;

    // 300 calls, 8 at a time; worker-2 is killed (SIGKILL: no goodbye) before call 100 starts.
    const outcomes = await runCalls(client, 300, 8, async (index) => {
      if (index !== 100) return;
      killedAt = performance.now();
      await victimHandle.kill();
    });

    expect(outcomes).toHaveLength(300);
    for (const outcome of outcomes) {
      // Nothing hangs: each call settles within its deadline.
      expect(outcome.ms).toBeLessThan(CALL_TIMEOUT_MS + SETTLE_SLACK_MS);
      if (!outcome.ok) {
        expect(outcome.error).toBeInstanceOf(RpcError);
        expect([ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED]).toContain(
          (outcome.error as RpcError).code,
        );
      }
    }
    expect(labels(outcomes.slice(0, 100))).toEqual(new Set(['worker-1', 'worker-2', 'worker-3']));
    const succeeded = outcomes.filter((outcome) => outcome.ok).length;
    expect(succeeded).toBeGreaterThanOrEqual(285);
    expect(labels(outcomes.slice(100)).has('worker-2')).toBe(false);

    // Once membership declares it failed, the registry drops it and it is never chosen again.
    await waitFor(() => removals.some((removal) => removal.id === victim.id), {
      timeoutMs: 20_000,
      message: 'the crash is detected',
    });
    const removedAt = removals.find((removal) => removal.id === victim.id)?.at ?? 0;
    expect(removals.find((removal) => removal.id === victim.id)?.reason).toBe('failed');
    const afterDetection = await runCalls(client, 60, 4);
    expect(afterDetection.every((outcome) => outcome.ok)).toBe(true);
    expect(labels(afterDetection)).toEqual(new Set(['worker-1', 'worker-3']));
    expect(picks.filter((pick) => pick.at > removedAt && pick.id === victim.id)).toEqual([]);
    expect(client.pool.connectionCount(victim.id)).toBe(0);

    // Restarted as the same member at the same addresses, it is chosen again.
    const restarted = WorkerHandle.start({
      ...spec('worker-2'),
      nodeId: victim.id,
      gossipPort: portOf(victim.gossipAddress),
      rpcPort: portOf(victim.rpcAddress),
    });
    cleanups.push(() => restarted.kill());
    await restarted.ready;
    await waitFor(() => registry.getWorker(victim.id) !== undefined, {
      timeoutMs: 20_000,
      message: 'the restarted worker is back',
    });
    const afterRestart = await runCalls(client, 60, 4);
    expect(afterRestart.every((outcome) => outcome.ok)).toBe(true);
    expect(labels(afterRestart)).toEqual(new Set(['worker-1', 'worker-2', 'worker-3']));

    const failed = 300 - succeeded;
    const slowest = Math.max(...outcomes.map((outcome) => outcome.ms));
    console.log(
      `cluster-failover: ${succeeded}/300 calls ok, ${failed} typed failures, slowest ${slowest.toFixed(0)} ms, ` +
        `crash detected after ${(removedAt - killedAt).toFixed(0)} ms, retries ${client.metrics.retries}, ` +
        `retries denied ${client.metrics.retriesDenied}`,
    );
  });

  it('resumes a token stream on another worker when its worker is killed mid-stream', async () => {
    const { registry, client, handles, ready } = await startCluster();
    const tokens: string[] = [];
    const parts: Array<{ readonly part: number; readonly workerId: string }> = [];
    let killed: string | undefined;
    const started = performance.now();
    const stream = client.streamWorker('generate', encode('0'), 'role=worker', {
      timeoutMs: 20_000,
      // The continuation asks the next worker for the tokens after those already received.
      resume: ({ messagesReceived }) => encode(`${messagesReceived}`),
    });
    for await (const { message, workerId, part } of stream) {
      tokens.push(decode(message));
      if (parts.at(-1)?.part !== part) parts.push({ part, workerId });
      if (tokens.length === 5 && killed === undefined) {
        killed = workerId;
        const index = ready.findIndex((worker) => worker.id === workerId);
        await handles[index]?.kill();
      }
    }
    expect(tokens).toEqual(Array.from({ length: 30 }, (_, token) => `${token}`));
    expect(parts).toHaveLength(2);
    expect(parts[0]?.workerId).toBe(killed);
    expect(parts[1]?.workerId).not.toBe(killed);
    expect(client.metrics.resumes).toBe(1);
    expect(registry.workers().every((worker) => worker.inFlight === 0)).toBe(true);
    console.log(
      `cluster-failover: stream resumed on another worker after ${(performance.now() - started).toFixed(0)} ms`,
    );
  });
});

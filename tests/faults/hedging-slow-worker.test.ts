import { CLUSTER_CLIENT_DEFAULTS } from '@rpcnet/cluster-client';
import { createDevCertificate } from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerHandle } from '../fixtures/cluster/worker-handle.js';
import {
  type CallRecord,
  DirectorHandle,
  type LoadReport,
} from '../fixtures/faults/director-handle.js';

const FAST_MS = 20;
/**
 * The slow worker's handler sleeps 50x the fast ones' (the median, two workers of three): far
 * enough apart that a loaded machine's scheduling delays cannot blur a hedged call into a slow one.
 */
const SLOW_MS = 50 * FAST_MS;
const CALLS_PER_SECOND = 30;
const LOAD_MS = 8000;
const WARM_UP_MS = 2000;
const CALL_TIMEOUT_MS = 3000;

const certificate = createDevCertificate();

describe('hedging with one slow worker of three, round robin, 30 calls/s', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps p99 near the fast workers’ and the extra calls within the retry budget', {
    timeout: 60_000,
  }, async () => {
    const { director, gossipAddress } = await DirectorHandle.start({ caPem: certificate.certPem });
    cleanups.push(() => director.kill());
    const handles = [FAST_MS, FAST_MS, SLOW_MS].map((delayMs, index) =>
      WorkerHandle.start({
        name: `worker-${index + 1}`,
        seed: gossipAddress,
        certPem: certificate.certPem,
        keyPem: certificate.keyPem,
        delayMs,
      }),
    );
    for (const handle of handles) cleanups.push(() => handle.kill());
    const ready = await Promise.all(handles.map((handle) => handle.ready));
    const slowId = ready[2]!.id;
    await director.awaitWorkers(3, 20_000);

    const load = (hedging: boolean, durationMs = LOAD_MS): Promise<LoadReport> =>
      director.runLoad({
        ratePerSecond: CALLS_PER_SECOND,
        durationMs,
        timeoutMs: CALL_TIMEOUT_MS,
        settleMs: CALL_TIMEOUT_MS,
        hedging,
      });
    const plain = await load(false);
    // A method is hedged once it has 20 latency samples: a short load teaches the client first.
    const warmUp = await load(true, WARM_UP_MS);
    const hedged = await load(true);

    for (const report of [plain, hedged]) {
      expect(report.calls.filter((call) => !call.ok)).toEqual([]);
    }
    // Calls the fast workers answered on the first attempt: the latency hedging aims for.
    const fastP99 = p99(
      hedged.calls.filter((call) => call.workerId !== slowId && call.attempts === 1),
    );
    const plainP99 = p99(plain.calls);
    const hedgedP99 = p99(hedged.calls);
    // Without hedging a third of the calls wait for the slow worker.
    expect(plainP99).toBeGreaterThanOrEqual(SLOW_MS);
    // With it they are answered by a fast worker after the hedging delay (2x the median): about
    // 3x the fast latency, far below the slow worker's 50x.
    expect(hedgedP99).toBeLessThan(SLOW_MS / 2);

    // Extra attempts never exceed what the retry budget held and earned during the load.
    const { ratio, minRetriesPerSecond, maxTokens } = CLUSTER_CLIENT_DEFAULTS.retryBudget;
    const hedges = hedged.metrics.hedges! - warmUp.metrics.hedges!;
    const retries = hedged.metrics.retries! - warmUp.metrics.retries!;
    const extra = hedges + retries;
    const budget =
      maxTokens + ratio * hedged.calls.length + minRetriesPerSecond * (LOAD_MS / 1000 + 5);
    expect(hedges).toBeGreaterThan(0);
    expect(extra).toBeLessThanOrEqual(budget);
    console.log(
      `faults/hedging: p99 ${plainP99.toFixed(0)} ms without hedging, ${hedgedP99.toFixed(0)} ms ` +
        `with it; fast workers' first attempts p99 ${fastP99.toFixed(0)} ms (handlers ${FAST_MS} ms, ` +
        `slow one ${SLOW_MS} ms); ${hedges} hedges + ${retries} ` +
        `retries for ${hedged.calls.length} calls (budget bound ${budget.toFixed(0)})`,
    );
    await director.stop();
  });
});

/** The 99th percentile (nearest rank) of the calls' durations, in ms. */
function p99(calls: readonly CallRecord[]): number {
  const sorted = calls
    .map((call) => (call.settledAt ?? Infinity) - call.startedAt)
    .sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

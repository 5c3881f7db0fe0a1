import { QuicTransport } from '@rpcnet/core';
import { createDevCertificate, RpcClient, RpcServer } from 'rpcnet';
import { afterEach, describe, expect, it } from 'vitest';
import { activeResources, mib, resourceGrowth, settledHeapBytes } from '../fixtures/faults/heap.js';
import { PendingTimerTracker } from '../fixtures/faults/timer-tracker.js';

const CALLS = 10_000;
/** A snapshot may catch a keep-alive or flush in flight; a leak per call would show thousands. */
const RESOURCE_GROWTH_BOUND = 2;
/** The lean driver keeps one timer per connection; per-call timers would leave hundreds. */
const PENDING_TIMER_GROWTH_BOUND = 5;
/** 1 KiB leaked per call would exceed it. */
const HEAP_BOUND_BYTES = 8 * 1024 * 1024;

const certificate = createDevCertificate();

describe('the lean QUIC driver over many calls', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`makes ${CALLS} calls without growth in handles, timers or heap, and releases everything on close`, {
    timeout: 120_000,
  }, async () => {
    const baseline = activeResources();
    const serverTransport = new QuicTransport({
      tls: { cert: certificate.certPem, key: certificate.keyPem },
      driver: 'lean',
    });
    const clientTransport = new QuicTransport({ tls: { ca: certificate.certPem }, driver: 'lean' });
    expect(serverTransport.driver).toBe('lean');
    const server = new RpcServer({ transport: serverTransport });
    server.unary('echo', (request) => request);
    const address = await server.start({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.stop({ graceMs: 0 }));
    const client = await RpcClient.connect(address, { transport: clientTransport });
    cleanups.push(() => client.close());

    const payload = new Uint8Array(64).fill(3);
    const timers = new PendingTimerTracker().start();
    for (let index = 0; index < 500; index += 1) await client.unary('echo', payload);
    const resourcesBefore = activeResources();
    const heapBefore = await settledHeapBytes();
    const timersBefore = timers.pending;
    const started = performance.now();
    for (let index = 0; index < CALLS; index += 1) {
      const response = await client.unary('echo', payload);
      if (response.length !== payload.length) throw new Error(`call ${index}: wrong echo`);
    }
    const elapsed = performance.now() - started;
    const timersAfter = timers.pending;
    timers.stop();
    const heapAfter = await settledHeapBytes();
    const resourcesAfter = activeResources();

    const grown = Object.entries(resourceGrowth(resourcesBefore, resourcesAfter)).filter(
      ([, count]) => count > RESOURCE_GROWTH_BOUND,
    );
    expect(Object.fromEntries(grown)).toEqual({});
    expect(timersAfter - timersBefore).toBeLessThanOrEqual(PENDING_TIMER_GROWTH_BOUND);
    expect(heapAfter - heapBefore).toBeLessThan(HEAP_BOUND_BYTES);

    await client.close();
    await server.stop({ graceMs: 0 });
    cleanups.splice(0);
    const sockets = (counts: Record<string, number>) => [counts.UDPWrap ?? 0, counts.SocketFd ?? 0];
    const released = () =>
      sockets(activeResources()).every((count, index) => count <= sockets(baseline)[index]!);
    const deadline = Date.now() + 5000;
    while (!released() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(released(), JSON.stringify(activeResources())).toBe(true);
    console.log(
      `faults/quic-driver: ${CALLS} calls in ${(elapsed / 1000).toFixed(1)} s; ` +
        `resources ${JSON.stringify(resourcesBefore)} -> ${JSON.stringify(resourcesAfter)}; ` +
        `pending timers ${timersBefore} -> ${timersAfter}; heap ${mib(heapBefore)} -> ${mib(heapAfter)}`,
    );
  });
});

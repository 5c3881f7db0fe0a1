import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryTransport, RpcClient, RpcServer, systemClock } from '../src/index.js';
import { bytes } from './support/text-bytes.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lets the in-memory network (setImmediate, microtasks) deliver what is in flight. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('timeouts longer than setTimeout can hold (2^31-1 ms)', () => {
  beforeEach(() => {
    // Fake timers reproduce Node's overflow: a delay above 2^31-1 ms fires after 1 ms.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a call with timeoutMs of 30 days is still running after 10 ms on the system clock', async () => {
    const transport = new InMemoryTransport();
    const server = new RpcServer({ transport, clock: systemClock });
    let started = 0;
    server.unary('park', () => {
      started += 1;
      return new Promise<Uint8Array>(() => {});
    });
    const address = await server.start();
    const client = await RpcClient.connect(address, { transport, clock: systemClock });
    const call = client.unary('park', bytes(''), { timeoutMs: 30 * DAY_MS });
    call.catch(() => {});
    await settle();
    vi.advanceTimersByTime(10);
    await settle();
    expect(started).toBe(1);
    expect(client.inFlight).toBe(1);
    await client.close();
    await server.stop({ graceMs: 0 });
  });

  it('systemClock timers of any length fire on time, not after the overflowed 1 ms', () => {
    const fired = vi.fn();
    systemClock.setTimer(30 * DAY_MS, fired);
    vi.advanceTimersByTime(10);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });
});

import { describe, expect, it } from 'vitest';
import { rejectionOf, waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('resolves once the condition holds, checking it again after each interval', async () => {
    let checks = 0;
    const waitedMs = await waitFor(() => ++checks === 3, { intervalMs: 20 });
    expect(checks).toBe(3);
    // Two intervals passed between the three checks (timers fire no earlier than asked, give or
    // take a millisecond of clock rounding).
    expect(waitedMs).toBeGreaterThanOrEqual(39);
  });

  it('accepts an async condition', async () => {
    let checks = 0;
    await waitFor(async () => ++checks === 2, { intervalMs: 1 });
    expect(checks).toBe(2);
  });

  it('fails after timeoutMs naming what it waited for, and calls a message function only then', async () => {
    let described = 0;
    const started = performance.now();
    const error = await rejectionOf(
      waitFor(() => false, {
        timeoutMs: 30,
        intervalMs: 5,
        message: () => `state ${++described}`,
      }),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('timed out after 30 ms waiting for state 1');
    expect(described).toBe(1);
  });

  it('defaults: 5 s bound, named "condition"', async () => {
    let checks = 0;
    const started = performance.now();
    // A condition that never holds would take the whole default bound; make it hold on check 2.
    await waitFor(() => ++checks > 1);
    expect(performance.now() - started).toBeLessThan(5000);
    const error = await rejectionOf(waitFor(() => false, { timeoutMs: 0 }));
    expect((error as Error).message).toBe('timed out after 0 ms waiting for condition');
  });
});

describe('rejectionOf', () => {
  it('returns what the promise rejected with', async () => {
    const cause = new Error('no');
    expect(await rejectionOf(Promise.reject(cause))).toBe(cause);
  });

  it('throws when the promise resolves', async () => {
    await expect(rejectionOf(Promise.resolve(1))).rejects.toThrow('expected the promise to reject');
  });
});

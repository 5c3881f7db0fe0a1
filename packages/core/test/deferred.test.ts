import { describe, expect, it } from 'vitest';
import { deferred, lazyDeferred, sharedResolution } from '../src/call/deferred.js';

describe('deferred / lazyDeferred', () => {
  it.each([
    ['deferred', deferred],
    ['lazyDeferred', lazyDeferred],
  ])('%s settles once, whether the promise is taken before or after', async (_, make) => {
    const early = make<string>();
    const promise = early.promise;
    early.resolve('first');
    early.resolve('second');
    early.reject(new Error('ignored'));
    expect(early.settled).toBe(true);
    await expect(promise).resolves.toBe('first');

    const late = make<string>();
    late.reject(new Error('failed'));
    late.resolve('ignored');
    expect(late.settled).toBe(true);
    await expect(late.promise).rejects.toThrow('failed');
  });

  it('lazyDeferred makes no promise until asked, and an unobserved rejection is harmless', async () => {
    const lazy = lazyDeferred<number>();
    expect(lazy.settled).toBe(false);
    lazy.reject(new Error('nobody listens'));
    const unobserved = deferred<number>();
    unobserved.reject(new Error('nobody listens either'));
    // A crash would come as an unhandled rejection after this turn; the test would fail.
    await new Promise((resolve) => setImmediate(resolve));
    expect(lazy.settled && unobserved.settled).toBe(true);
  });

  it('lazyDeferred settled with the shared value before it is asked gives the shared promise', async () => {
    const shared = sharedResolution('common');
    const common = lazyDeferred(shared);
    common.resolve('common');
    expect(common.promise).toBe(shared.promise);
    const other = lazyDeferred(shared);
    other.resolve('rare');
    expect(other.promise).not.toBe(shared.promise);
    await expect(other.promise).resolves.toBe('rare');
    // Asked before it settles: its own promise, settled with the value.
    const early = lazyDeferred(shared);
    const promise = early.promise;
    early.resolve('common');
    expect(promise).not.toBe(shared.promise);
    await expect(promise).resolves.toBe('common');
  });

  it('lazyDeferred rejected before it is asked gives a rejected promise', async () => {
    const lazy = lazyDeferred<number>();
    lazy.reject(new Error('failed early'));
    await expect(lazy.promise).rejects.toThrow('failed early');
  });
});

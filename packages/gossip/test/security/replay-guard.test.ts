import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/replay-guard.js';

const nonce = (n: number): Uint8Array => new Uint8Array(12).fill(n);

describe('ReplayGuard', () => {
  it('admits a nonce once and refuses it again within the window', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.admit(10_000, nonce(1), 10_000)).toBe('fresh');
    expect(guard.admit(10_000, nonce(1), 10_500)).toBe('replay');
    expect(guard.admit(10_000, nonce(2), 10_500)).toBe('fresh');
  });

  it('refuses datagrams stamped outside the window, in the past or the future', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.admit(8_000, nonce(1), 10_000)).toBe('stale');
    expect(guard.admit(12_000, nonce(2), 10_000)).toBe('stale');
  });

  it('forgets nonces once they fall out of the window, keeping memory bounded', () => {
    const guard = new ReplayGuard({ windowMs: 1000, maxEntries: 3 });
    for (let i = 0; i < 10; i += 1) guard.admit(10_000, nonce(i), 10_000);
    expect(guard.size()).toBe(3);
    guard.admit(20_000, nonce(99), 20_000);
    expect(guard.size()).toBe(1);
  });

  it('validates its options', () => {
    expect(() => new ReplayGuard({ windowMs: 0 })).toThrow(/windowMs.*must be positive/);
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(/maxEntries.*must be at least 1/);
    expect(new ReplayGuard({ maxEntries: 1 }).maxEntries).toBe(1);
  });

  it('admits a stamp exactly at the edge of the window and remembers its nonce that long', () => {
    const guard = new ReplayGuard({ windowMs: 1000 });
    expect(guard.admit(9_000, nonce(1), 10_000)).toBe('fresh');
    expect(guard.admit(11_000, nonce(2), 10_000)).toBe('fresh');
    // At 10,000 the cutoff is 9,000: the nonce stamped 9,000 is still remembered.
    expect(guard.admit(9_000, nonce(1), 10_000)).toBe('replay');
    expect(guard.size()).toBe(2);
  });
});

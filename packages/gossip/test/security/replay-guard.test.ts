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
    expect(() => new ReplayGuard({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new ReplayGuard({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

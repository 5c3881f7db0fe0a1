import { describe, expect, it } from 'vitest';
import { minDeadline, resolveDeadline } from '../src/index.js';

describe('resolveDeadline', () => {
  const now = 1_000;

  it('has no deadline when the call and the default set none', () => {
    expect(resolveDeadline({}, now)).toBe(Number.POSITIVE_INFINITY);
  });

  it('applies the default only when the call sets neither deadline nor timeout', () => {
    expect(resolveDeadline({}, now, 50)).toBe(1_050);
    expect(resolveDeadline({ deadline: now + 5_000 }, now, 50)).toBe(6_000);
    expect(resolveDeadline({ timeoutMs: 5_000 }, now, 50)).toBe(6_000);
  });

  it('takes the earliest of an explicit deadline and timeout', () => {
    expect(resolveDeadline({ deadline: now + 200, timeoutMs: 5_000 }, now, 50)).toBe(1_200);
    expect(resolveDeadline({ deadline: now + 9_000, timeoutMs: 300 }, now)).toBe(1_300);
  });
});

describe('minDeadline', () => {
  it('ignores undefined and is Infinity for none', () => {
    expect(minDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(minDeadline(undefined, 7, 3, undefined)).toBe(3);
  });
});

import { VirtualClock } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../src/retry-budget.js';

describe('RetryBudget', () => {
  it('starts full, deposits ratio per call up to the cap, and refills per second of quiet', () => {
    const clock = new VirtualClock({ kind: 'wall', startMs: 1_000_000 });
    const budget = new RetryBudget({ ratio: 0.25, minRetriesPerSecond: 2, maxTokens: 3 }, clock);
    expect(budget.tokens).toBe(3);
    budget.deposit();
    expect(budget.tokens).toBe(3);
    for (let i = 0; i < 3; i++) expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tokens).toBe(0);
    expect(budget.tryWithdraw()).toBe(false);
    budget.deposit();
    budget.deposit();
    expect(budget.tokens).toBe(0.5);
    // 250 ms at 2 per second: half a token more.
    clock.advance(250);
    expect(budget.tokens).toBe(1);
    // A reserve keeps tokens back: 1 token cannot serve a retry that must leave 1.
    expect(budget.tryWithdraw(1)).toBe(false);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tokens).toBe(0);
    clock.advance(10_000);
    expect(budget.tokens).toBe(3);
  });

  it('takes nothing back when the wall clock steps back', () => {
    let now = 1_000_000;
    const clock = { kind: 'wall' as const, now: () => now, setTimer: () => () => undefined };
    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 1, maxTokens: 2 }, clock);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tokens).toBe(1);
    now -= 60_000;
    expect(budget.tokens).toBe(1);
    // Time is measured again from the reading before the step: 1 s later, 1 token more.
    now += 61_000;
    expect(budget.tokens).toBe(2);
  });
});

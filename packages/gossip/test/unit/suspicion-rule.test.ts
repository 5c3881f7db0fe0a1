import { describe, expect, it } from 'vitest';
import { lanClusterConfig, wanClusterConfig } from '../../src/config.js';
import { PauseGuard } from '../../src/pause-guard.js';
import { suspicionTimeoutBounds } from '../../src/suspicion.js';
import {
  disseminationRounds,
  modelledRefutationMs,
  SuspicionRule,
} from '../../src/suspicion-rule.js';

describe('SuspicionRule', () => {
  it('keeps memberlist formula as the memberlist preset', () => {
    const config = lanClusterConfig({ suspicionRule: 'memberlist' });
    const rule = new SuspicionRule(config);
    rule.recordRefutation(30_000);
    expect(rule.bounds(100, 3)).toEqual(suspicionTimeoutBounds(100, 1000, 4, 6));
    expect(rule.bounds(100, 1)).toEqual({ minMs: 8000, maxMs: 48_000 });
  });

  it('sizes the adaptive minimum from the modelled refutation path by default', () => {
    const config = lanClusterConfig();
    expect(config.suspicionRule).toBe('adaptive');
    // 100 members, fanout 3: 4 epidemic rounds of 200 ms each way, plus the 500 ms probe timeout.
    expect(disseminationRounds(100, 3)).toBe(4);
    expect(modelledRefutationMs(100, config)).toBe(2100);
    expect(new SuspicionRule(config).bounds(100, 1)).toEqual({ minMs: 2100, maxMs: 12_600 });
    // Never below one protocol period, never above memberlist's minimum.
    expect(new SuspicionRule(config).bounds(2, 1).minMs).toBe(1000);
    expect(new SuspicionRule(config).bounds(1000, 1).minMs).toBe(2500);
  });

  it('grows with the slowest refutation measured, capped at memberlist, and with local health', () => {
    const rule = new SuspicionRule(lanClusterConfig());
    expect(rule.slowestRefutationMs()).toBeUndefined();
    rule.recordRefutation(1000);
    rule.recordRefutation(2000);
    expect(rule.slowestRefutationMs()).toBe(2000);
    expect(rule.bounds(100, 1).minMs).toBe(3000);
    expect(rule.bounds(100, 2).minMs).toBe(6000);
    rule.recordRefutation(20_000);
    expect(rule.bounds(100, 1).minMs).toBe(8000);
    // Old samples leave the window of 32: the slow one stays through 31 fast refutations and
    // is gone at the 32nd.
    for (let i = 0; i < 31; i++) rule.recordRefutation(100);
    expect(rule.slowestRefutationMs()).toBe(20_000);
    rule.recordRefutation(100);
    expect(rule.slowestRefutationMs()).toBe(100);
    expect(rule.bounds(100, 1).minMs).toBe(2100);
  });

  it('counts epidemic rounds as ceil(log n / log(fanout + 1)), one for two members or fewer', () => {
    const rounds = [1, 2, 3, 4, 5, 16, 17, 64, 65, 1000].map((n) => disseminationRounds(n, 3));
    expect(rounds).toEqual([1, 1, 1, 1, 2, 2, 3, 3, 4, 5]);
    expect(disseminationRounds(4, 2)).toBe(2);
    expect(disseminationRounds(1000, 2)).toBe(7);
  });

  it('stretches both bounds by local health and uses the preset timings (WAN)', () => {
    expect(new SuspicionRule(lanClusterConfig()).bounds(100, 2)).toEqual({
      minMs: 4200,
      maxMs: 25_200,
    });
    expect(new SuspicionRule(lanClusterConfig()).bounds(2, 3)).toEqual({
      minMs: 3000,
      maxMs: 18_000,
    });
    // WAN, 100 members, fanout 4: 3 rounds of 500 ms each way plus the 3 s probe timeout.
    const config = wanClusterConfig();
    expect(modelledRefutationMs(100, config)).toBe(6000);
    expect(new SuspicionRule(config).bounds(100, 1)).toEqual({ minMs: 6000, maxMs: 36_000 });
    expect(
      new SuspicionRule(wanClusterConfig({ suspicionRule: 'memberlist' })).bounds(100, 1),
    ).toEqual({
      minMs: 60_000,
      maxMs: 360_000,
    });
  });
});

describe('PauseGuard', () => {
  it('reports a stall once, at the first late timer, and flags what it spanned', () => {
    const guard = new PauseGuard(300);
    expect(guard.observe(1000, 1200)).toBe(0);
    expect(guard.stalledSince(0)).toBe(false);
    expect(guard.observe(2000, 7000)).toBe(5000);
    // Other timers due during the same stall fire late too: not a second stall.
    expect(guard.observe(3000, 7000)).toBe(0);
    expect(guard.count).toBe(1);
    expect(guard.stalledSince(6000)).toBe(true);
    expect(guard.stalledSince(7001)).toBe(false);
    expect(guard.observe(8000, 9000)).toBe(1000);
    expect(guard.count).toBe(2);
  });
});

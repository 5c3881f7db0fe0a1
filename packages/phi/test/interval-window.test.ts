import { describe, expect, it } from 'vitest';
import { IntervalWindow } from '../src/interval-window.js';

describe('IntervalWindow', () => {
  it('keeps exactly the last `capacity` samples while it grows and once it is full', () => {
    const window = new IntervalWindow(200);
    const all: number[] = [];
    let state = 11;
    for (let i = 0; i < 700; i++) {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      const interval = 500 + (state % 1000);
      window.add(interval);
      all.push(interval);
      const kept = all.slice(-200);
      const mean = kept.reduce((sum, value) => sum + value, 0) / kept.length;
      const variance =
        kept.reduce((sum, value) => sum + value * value, 0) / kept.length - mean ** 2;
      expect(window.size).toBe(kept.length);
      expect(window.mean).toBeCloseTo(mean, 6);
      expect(window.variance).toBeCloseTo(variance, 3);
    }
  });

  it('starts empty again after clear()', () => {
    const window = new IntervalWindow(4);
    for (const interval of [1, 2, 3, 4, 5, 6]) window.add(interval);
    window.clear();
    window.add(10);
    window.add(20);
    expect(window.size).toBe(2);
    expect(window.mean).toBe(15);
  });
});

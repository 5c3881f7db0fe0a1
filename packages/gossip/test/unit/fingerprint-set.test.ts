import { createSeededRandom } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../../src/fingerprint-set.js';

describe('FingerprintSet', () => {
  it('holds what a Set<number> holds, 0 and 2^32-1 included, across growth and collisions', () => {
    const random = createSeededRandom(3);
    const set = new FingerprintSet();
    const model = new Set<number>();
    // Values sharing their low bits collide in the table; repeats must not count twice.
    const values = [0, 0xffffffff, 1, 1 + 2 ** 20, 1 + 2 ** 21];
    for (let i = 0; i < 5000; i++) values.push(Math.floor(random() * 2 ** 32));
    for (const value of [...values, ...values.slice(0, 100)]) {
      expect(set.add(value)).toBe(!model.has(value));
      model.add(value);
    }
    expect(set.size).toBe(model.size);
    for (const value of values) expect(set.has(value)).toBe(true);
    for (let i = 0; i < 5000; i++) {
      const value = Math.floor(random() * 2 ** 32);
      expect(set.has(value)).toBe(model.has(value));
    }
  });

  it('builds from a list, dropping repeats', () => {
    const set = FingerprintSet.of(Uint32Array.of(7, 9, 7, 2 ** 31));
    expect(set.size).toBe(3);
    expect([set.has(7), set.has(9), set.has(2 ** 31), set.has(8)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

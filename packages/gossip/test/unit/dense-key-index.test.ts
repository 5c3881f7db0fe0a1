import { describe, expect, it } from 'vitest';
import { DenseSlotIndex, KeyNumbering } from '../../src/dense-key-index.js';

describe('DenseSlotIndex', () => {
  it('maps keys to slots like a Map, 0 included, across growth past its first capacity', () => {
    const numbering = new KeyNumbering();
    const index = new DenseSlotIndex(numbering);
    const model = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      index.set(`k${i}`, 99 - i);
      model.set(`k${i}`, 99 - i);
    }
    for (let i = 0; i < 100; i += 3) {
      expect(index.delete(`k${i}`)).toBe(true);
      model.delete(`k${i}`);
    }
    expect(index.delete('k0')).toBe(false);
    expect(index.delete('never')).toBe(false);
    for (let i = 0; i < 110; i++) expect(index.get(`k${i}`)).toBe(model.get(`k${i}`));
    index.set('zero', 0);
    expect(index.get('zero')).toBe(0);
    // A key numbered by another index of the same numbering, past this one's end.
    for (let i = 0; i < 1000; i++) numbering.assign(`other${i}`);
    expect(index.get('other999')).toBeUndefined();
    index.set('other999', 7);
    expect(index.get('other999')).toBe(7);
  });
});

describe('KeyNumbering', () => {
  it('numbers keys densely in the order first seen and gives each number its key back', () => {
    const numbering = new KeyNumbering();
    expect(['a', 'b', 'a', 'c'].map((key) => numbering.assign(key))).toEqual([0, 1, 0, 2]);
    expect([numbering.keyOf(0), numbering.keyOf(1), numbering.keyOf(2)]).toEqual(['a', 'b', 'c']);
    expect([numbering.find('b'), numbering.find('d'), numbering.size]).toEqual([1, undefined, 3]);
    // A primed key is found by comparison; its number is the one it was given.
    numbering.prime('c', 2);
    expect(numbering.find('c')).toBe(2);
    expect(numbering.find('a')).toBe(0);
  });
});

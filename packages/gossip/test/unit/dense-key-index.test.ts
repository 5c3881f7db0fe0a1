import { describe, expect, it } from 'vitest';
import { DenseKeyIndex, DenseSlotIndex, KeyNumbering } from '../../src/dense-key-index.js';

describe('DenseKeyIndex', () => {
  it('maps keys like a Map, each index holding its own values over one numbering', () => {
    const numbering = new KeyNumbering();
    const a = new DenseKeyIndex<number>(numbering);
    const b = new DenseKeyIndex<string>(numbering);
    expect(a.get('x')).toBeUndefined();
    expect(a.delete('x')).toBe(false);
    a.set('x', 0);
    a.set('y', 1);
    b.set('y', 'why');
    expect([a.get('x'), a.get('y'), b.get('x'), b.get('y')]).toEqual([0, 1, undefined, 'why']);
    // Numbered once, whichever index saw a key first.
    expect([numbering.find('x'), numbering.find('y'), numbering.size]).toEqual([0, 1, 2]);
    expect(a.delete('x')).toBe(true);
    expect(a.delete('x')).toBe(false);
    expect(a.get('x')).toBeUndefined();
    a.set('x', 5);
    expect(a.get('x')).toBe(5);
  });

  it('takes a key numbered long after the index was last written', () => {
    const numbering = new KeyNumbering();
    for (let i = 0; i < 1000; i++) numbering.assign(`k${i}`);
    const index = new DenseKeyIndex<number>(numbering);
    index.set('k999', 9);
    index.set('k3', 3);
    expect([index.get('k999'), index.get('k3'), index.get('k500')]).toEqual([9, 3, undefined]);
  });
});

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

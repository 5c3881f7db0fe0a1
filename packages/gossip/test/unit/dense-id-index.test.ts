import { describe, expect, it } from 'vitest';
import { DenseIdIndex } from '../../src/dense-id-index.js';
import { KeyNumbering } from '../../src/dense-key-index.js';

describe('DenseIdIndex', () => {
  it('maps keys to an id or a set of ids like a Map, each index over shared numberings', () => {
    const keys = new KeyNumbering();
    const ids = new KeyNumbering();
    const a = new DenseIdIndex(keys, ids);
    const b = new DenseIdIndex(keys, ids);
    const model = new Map<string, string | Set<string>>();
    expect(a.get('x:1')).toBeUndefined();
    expect(a.delete('x:1')).toBe(false);
    for (let i = 0; i < 40; i++) {
      a.set(`10.0.0.${i}:7946`, `id${i}`);
      model.set(`10.0.0.${i}:7946`, `id${i}`);
    }
    const both = new Set(['id3', 'id40']);
    a.set('10.0.0.3:7946', both);
    model.set('10.0.0.3:7946', both);
    b.set('10.0.0.3:7946', 'id40');
    for (const i of [0, 7, 39]) {
      expect(a.delete(`10.0.0.${i}:7946`)).toBe(true);
      model.delete(`10.0.0.${i}:7946`);
    }
    expect(a.delete('10.0.0.7:7946')).toBe(false);
    for (let i = 0; i < 45; i++)
      expect(a.get(`10.0.0.${i}:7946`)).toEqual(model.get(`10.0.0.${i}:7946`));
    expect(a.get('10.0.0.3:7946')).toBe(both);
    // Back to one id: the set is gone.
    a.set('10.0.0.3:7946', 'id3');
    expect(a.get('10.0.0.3:7946')).toBe('id3');
    expect(b.get('10.0.0.3:7946')).toBe('id40');
    expect(b.get('10.0.0.4:7946')).toBeUndefined();
    // A key numbered through another index, long after this one was last written.
    for (let i = 0; i < 1000; i++) keys.assign(`other${i}`);
    expect(a.get('other999')).toBeUndefined();
    a.set('other999', 'id0');
    expect(a.get('other999')).toBe('id0');
  });
});

import { describe, expect, it } from 'vitest';
import { CallTable } from '../src/call/call-table.js';

const call = (id: number) => ({ id });

describe('CallTable', () => {
  it('finds each call by id, and nothing for an id it does not hold', () => {
    const table = new CallTable<{ id: number }>();
    const calls = [1, 2, 3, 65, 129].map(call);
    for (const each of calls) table.add(each);
    expect(table.size).toBe(5);
    for (const each of calls) expect(table.get(each.id)).toBe(each);
    expect(table.get(4)).toBeUndefined();
    expect(table.get(193)).toBeUndefined();
  });

  it('keeps colliding calls reachable after any one of them leaves (wrap-around included)', () => {
    // 63, 127 and 191 share the last slot of 64 and wrap to the first; 0 and 64 start there.
    for (const order of [
      [63, 127, 191, 0, 64],
      [0, 63, 127, 64, 191],
    ]) {
      for (const leaving of order) {
        const table = new CallTable<{ id: number }>();
        const calls = order.map(call);
        for (const each of calls) table.add(each);
        const gone = calls.find((each) => each.id === leaving) as { id: number };
        expect(table.delete(gone)).toBe(true);
        expect(table.get(leaving)).toBeUndefined();
        for (const each of calls) if (each !== gone) expect(table.get(each.id)).toBe(each);
        expect(table.size).toBe(order.length - 1);
      }
    }
  });

  it('removes only the very call it was given', () => {
    const table = new CallTable<{ id: number }>();
    const held = call(7);
    table.add(held);
    expect(table.delete(call(7))).toBe(false);
    expect(table.delete(call(8))).toBe(false);
    expect(table.get(7)).toBe(held);
    expect(table.delete(held)).toBe(true);
    expect(table.delete(held)).toBe(false);
    expect(table.size).toBe(0);
  });

  it('grows past its first slots and stays consistent through churn, like a Map', () => {
    const table = new CallTable<{ id: number }>();
    const reference = new Map<number, { id: number }>();
    let next = 1;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 20_000; step += 1) {
      // Up to ~300 in flight, with some calls that stay for a long time.
      if (reference.size < 300 && random() < 0.55) {
        const added = call(next);
        next += 1 + Math.floor(random() * 3);
        table.add(added);
        reference.set(added.id, added);
      } else if (reference.size > 0) {
        const ids = [...reference.keys()];
        const id = ids[Math.floor(random() * ids.length)] as number;
        expect(table.delete(reference.get(id) as { id: number })).toBe(true);
        reference.delete(id);
      }
      if (step % 97 === 0) {
        expect(table.size).toBe(reference.size);
        for (const [id, each] of reference) expect(table.get(id)).toBe(each);
        expect(new Set(table.values())).toEqual(new Set(reference.values()));
      }
    }
  });

  it('values is a snapshot: calls can leave while it is gone through', () => {
    const table = new CallTable<{ id: number }>();
    for (let id = 1; id <= 10; id += 1) table.add(call(id));
    for (const each of table.values()) table.delete(each);
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });
});

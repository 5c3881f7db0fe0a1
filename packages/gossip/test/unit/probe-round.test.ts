import { createSeededRandom } from '@rpcnet/base';
import { describe, expect, it } from 'vitest';
import { KeyNumbering } from '../../src/dense-key-index.js';
import { ProbeRound } from '../../src/probe-round.js';

/** The array the round stands for: probed ids ahead of `index`, inserted by splice. */
class ArrayRound {
  order: string[] = [];
  index = 0;
}

describe('ProbeRound', () => {
  it('takes the ids of a round in order, then none', () => {
    const round = new ProbeRound();
    round.start(['a', 'b', 'c']);
    expect([round.length, round.remaining]).toEqual([3, 3]);
    expect([round.next(), round.next(), round.next(), round.next()]).toEqual([
      'a',
      'b',
      'c',
      undefined,
    ]);
    expect([round.length, round.remaining]).toEqual([3, 0]);
  });

  it.each([
    ['its own list of ids', () => new ProbeRound()],
    ['a numbering shared with other rounds', () => new ProbeRound(new KeyNumbering())],
  ])(
    'numbering ids by %s, gives the same sequence as splicing into one array, across many chunks and rounds',
    (_, makeRound) => {
      const random = createSeededRandom(5);
      const round = makeRound();
      const model = new ArrayRound();
      let fresh = 0;
      const taken: Array<string | undefined> = [];
      const expected: Array<string | undefined> = [];
      for (let step = 0; step < 20_000; step++) {
        const roll = random();
        // Stretches where members join faster than they are probed, then slower, so rounds end.
        const insertShare = Math.floor(step / 2000) % 2 === 0 ? 0.75 : 0.2;
        if (roll < 0.001) {
          // A new round over members seen before (numbered already), and a few new ones.
          const ids = Array.from({ length: Math.floor(random() * 900) }, () =>
            fresh > 0 && random() < 0.8 ? `n${Math.floor(random() * fresh)}` : `n${fresh++}`,
          );
          round.start(ids);
          model.order = [...ids];
          model.index = 0;
        } else if (roll < insertShare) {
          const remaining = model.order.length - model.index;
          expect(round.remaining).toBe(remaining);
          const offset = Math.floor(random() * (remaining + 1));
          const id = `n${fresh++}`;
          round.insert(offset, id);
          model.order.splice(model.index + offset, 0, id);
        } else {
          taken.push(round.next());
          expected.push(model.index < model.order.length ? model.order[model.index++] : undefined);
        }
        expect(round.length).toBe(model.order.length);
      }
      expect(taken).toEqual(expected);
      // The walk covered rounds long enough to split chunks, and their ends.
      expect(fresh).toBeGreaterThan(10_000);
      expect(expected.filter((id) => id === undefined).length).toBeGreaterThan(0);
    },
  );
});

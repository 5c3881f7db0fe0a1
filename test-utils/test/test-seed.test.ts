import { createSeededRandom } from '@rpcnet/base';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandomFromEnv } from '../src/index.js';

const VARIABLE = 'RPCNET_TEST_UTILS_SEED';

describe('seededRandomFromEnv', () => {
  afterEach(() => {
    delete process.env[VARIABLE];
  });

  it('uses the fallback seed when the variable is unset, with base seeded generator', () => {
    const { seed, random } = seededRandomFromEnv(VARIABLE, 9);
    expect(seed).toBe(9);
    const expected = createSeededRandom(9);
    expect([random(), random(), random()]).toEqual([expected(), expected(), expected()]);
  });

  it('replays the seed the variable names', () => {
    process.env[VARIABLE] = '1234';
    const { seed, random } = seededRandomFromEnv(VARIABLE, 9);
    expect(seed).toBe(1234);
    expect(random()).toBe(createSeededRandom(1234)());
  });

  it('rejects a variable that is not a whole number, naming it', () => {
    process.env[VARIABLE] = 'abc';
    expect(() => seededRandomFromEnv(VARIABLE, 9)).toThrow(`${VARIABLE} must be a whole number`);
  });
});

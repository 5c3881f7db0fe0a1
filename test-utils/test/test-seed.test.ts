import { afterEach, describe, expect, it } from 'vitest';
import { seedFromEnv } from '../src/index.js';

const VARIABLE = 'RPCNET_TEST_UTILS_SEED';

describe('seedFromEnv', () => {
  afterEach(() => {
    delete process.env[VARIABLE];
  });

  it('gives the fallback seed when the variable is unset or empty', () => {
    expect(seedFromEnv(VARIABLE, 9)).toBe(9);
    process.env[VARIABLE] = '';
    expect(seedFromEnv(VARIABLE, 9)).toBe(9);
  });

  it('replays the seed the variable names', () => {
    process.env[VARIABLE] = '1234';
    expect(seedFromEnv(VARIABLE, 9)).toBe(1234);
  });

  it('rejects a variable that is not a whole number, naming it', () => {
    process.env[VARIABLE] = 'abc';
    expect(() => seedFromEnv(VARIABLE, 9)).toThrow(`${VARIABLE} must be a whole number`);
    process.env[VARIABLE] = '1.5';
    expect(() => seedFromEnv(VARIABLE, 9)).toThrow(`${VARIABLE} must be a whole number`);
  });
});

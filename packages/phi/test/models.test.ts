import { describe, expect, it } from 'vitest';
import { exponentialPhi, normalPhi } from '../src/models.js';

// Expected values computed independently (Python, Akka's literal two-branch formula:
// y = (t - mean) / sd; e = exp(-y * (1.5976 + 0.070566 * y^2));
// phi = t > mean ? -log10(e / (1 + e)) : -log10(1 - 1 / (1 + e))).
const normalTable: Array<[elapsed: number, mean: number, sd: number, phi: number]> = [
  [1000, 1000, 100, 0.3010299956639812],
  [1100, 1000, 100, 0.7995083208395598],
  [1200, 1000, 100, 1.6428278854871123],
  [1300, 1000, 100, 2.9094753264849538],
  [1500, 1000, 100, 7.299947394460206],
  [900, 1000, 100, 0.0750330321409399],
  [500, 1000, 100, 2.1768922219645073e-8],
  [1350, 1000, 200, 1.3962457001254882],
  [2000, 1000, 250, 4.736694582705181],
  [1100, 1000, 250, 0.4628825194414691],
  [0, 1000, 250, 7.963311608865193e-6],
];

// phi = (t / mean) / ln(10), computed independently.
const exponentialTable: Array<[elapsed: number, mean: number, phi: number]> = [
  [0, 1000, 0],
  [1000, 1000, Math.LOG10E],
  [1000 * Math.LN10, 1000, 1.0000000000000002],
  [5000, 500, 4.3429448190325175],
  [18420.68, 1000, 7.999999676905593],
];

describe('normalPhi', () => {
  it.each(normalTable)('elapsed %d, mean %d, sd %d gives the tabulated phi', (t, mean, sd, phi) => {
    expect(normalPhi(t, mean, sd)).toBeCloseTo(phi, 12);
    expect(Math.abs(normalPhi(t, mean, sd) - phi) / Math.max(phi, 1e-300)).toBeLessThan(1e-9);
  });

  it('stays finite and keeps growing for gaps where the literal formula overflows to Infinity', () => {
    const big = normalPhi(1e6, 1000, 100);
    const bigger = normalPhi(1e9, 1000, 100);
    expect(Number.isFinite(big)).toBe(true);
    expect(Number.isFinite(bigger)).toBe(true);
    expect(bigger).toBeGreaterThan(big);
    expect(big).toBeGreaterThan(1e6);
  });
});

describe('exponentialPhi', () => {
  it.each(exponentialTable)('elapsed %d, mean %d gives the tabulated phi', (t, mean, phi) => {
    expect(exponentialPhi(t, mean)).toBeCloseTo(phi, 12);
  });
});

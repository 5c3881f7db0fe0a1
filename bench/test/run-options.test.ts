import { describe, expect, it } from 'vitest';
import { parseRunOptions } from '../src/run-options.js';

describe('parseRunOptions', () => {
  it('runs every suite in the fixed order by default', () => {
    expect(parseRunOptions([], '/out')).toEqual({
      suites: ['phi', 'registry', 'gossip', 'rpc', 'failover'],
      quick: false,
      outDir: '/out',
      renderOnly: false,
      gossip1000: false,
    });
  });

  it('accepts --only lists, repeated --only, --only=, --quick and --out, keeping suite order', () => {
    const options = parseRunOptions(
      ['--', '--only', 'failover,rpc', '--only=phi', '--quick', '--out', 'x'],
      '/out',
    );
    expect(options).toEqual({
      suites: ['phi', 'rpc', 'failover'],
      quick: true,
      outDir: 'x',
      renderOnly: false,
      gossip1000: false,
    });
  });

  it('runs no suite with --render-only, and refuses to combine it with suite flags', () => {
    expect(parseRunOptions(['--render-only'], '/out')).toMatchObject({
      suites: [],
      renderOnly: true,
    });
    expect(() => parseRunOptions(['--render-only', '--quick'], '/out')).toThrow(/--render-only/);
  });

  it('adds the 1,000-member gossip rows with --gossip-1000, not with --quick or --render-only', () => {
    expect(parseRunOptions(['--only', 'gossip', '--gossip-1000'], '/out')).toMatchObject({
      suites: ['gossip'],
      quick: false,
      gossip1000: true,
    });
    expect(() => parseRunOptions(['--gossip-1000', '--quick'], '/out')).toThrow(
      /--gossip-1000 .*drop --quick/,
    );
    expect(() => parseRunOptions(['--render-only', '--gossip-1000'], '/out')).toThrow(
      /--render-only/,
    );
  });

  it('names the flag in its errors', () => {
    expect(() => parseRunOptions(['--only', 'nope'], '/out')).toThrow(
      /--only: unknown suite 'nope'/,
    );
    expect(() => parseRunOptions(['--only'], '/out')).toThrow(/--only needs/);
    expect(() => parseRunOptions(['--out'], '/out')).toThrow(/--out needs/);
    expect(() => parseRunOptions(['--out='], '/out')).toThrow(/--out needs/);
    expect(() => parseRunOptions(['--fast'], '/out')).toThrow(/unknown argument '--fast'/);
  });
});

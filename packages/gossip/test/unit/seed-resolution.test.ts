import { describe, expect, it } from 'vitest';
import { localDestinations } from '../../src/destination-names.js';
import { partitionSeeds } from '../../src/seed-resolution.js';

const names: Record<string, string> = { localhost: '127.0.0.1', 'seed-1.example': '10.0.0.7' };
const lookup = async (host: string): Promise<string> => {
  const address = names[host];
  if (address === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return address;
};

describe('partitionSeeds', () => {
  it('leaves out this node by any of its addresses, keeps names, and reports names that do not resolve', async () => {
    const isSelf = await localDestinations({
      bound: '127.0.0.1:7946',
      advertised: '127.0.0.1:7946',
      lookup,
    });
    const { others, unresolved } = await partitionSeeds(
      [
        'localhost:7946',
        '127.0.0.1:7946',
        'seed-1.example:7946',
        '10.0.0.8:7946',
        'gone.example:7946',
        'seed-1.example:7946',
      ],
      isSelf,
      lookup,
    );
    expect(others).toEqual(['seed-1.example:7946', '10.0.0.8:7946']);
    expect(unresolved).toEqual([
      { seed: 'gone.example:7946', reason: 'DNS lookup of "gone.example" failed: ENOTFOUND' },
    ]);
  });

  it('without a resolver (injected transports) compares addresses as written', async () => {
    const isSelf = await localDestinations({ bound: 'node-1:7946', advertised: 'node-1:7946' });
    const { others, unresolved } = await partitionSeeds(
      ['node-1:7946', 'node-2:7946'],
      isSelf,
      undefined,
    );
    expect(others).toEqual(['node-2:7946']);
    expect(unresolved).toEqual([]);
  });
});

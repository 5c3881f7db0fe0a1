import { waitFor } from '@rpcnet/test-utils';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster.js';
import { startedNodes } from './started-nodes.js';

const SECRET = 'cluster-secret-2f8a6c1d9e0b4a7f';
const startNode = startedNodes();

const portOf = (cluster: Cluster): number => {
  const address = cluster.localNode().gossipAddress;
  return Number(address.slice(address.lastIndexOf(':') + 1));
};

describe('seeds are compared and reached by address, not by spelling', { timeout: 20_000 }, () => {
  it('a node listed among its own seeds as localhost starts as the first member', async () => {
    const node = await startNode();
    await expect(node.join([`localhost:${portOf(node)}`])).resolves.toBe(0);
  });

  it('a seed given as localhost is joined, sealed or not', async () => {
    for (const overrides of [{}, { secret: SECRET }]) {
      const seed = await startNode(overrides);
      const joiner = await startNode(overrides);
      await joiner.join([`localhost:${portOf(seed)}`]);
      await waitFor(() => seed.members().length === 2 && joiner.members().length === 2, {
        timeoutMs: 10_000,
        message: 'two members',
      });
    }
  });

  it('a seed whose name does not resolve fails the join at once, saying it was DNS', async () => {
    const node = await startNode({ joinTimeoutMs: 10_000 });
    const started = Date.now();
    await expect(node.join(['no-such-host.invalid:7946'])).rejects.toMatchObject({
      code: 'JOIN_FAILED',
      message: expect.stringMatching(
        /no seed resolves: no-such-host\.invalid:7946 \(DNS lookup of "no-such-host\.invalid" failed: /,
      ),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('join() arguments', () => {
  it('says what seeds must be when given a single string', async () => {
    const node = await startNode();
    await expect(node.join('127.0.0.1:7946' as never)).rejects.toThrow(
      /seeds must be an array of "host:port" strings/,
    );
  });
});

import { waitFor } from '@rpcnet/test-utils';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster.js';
import type { ClusterEvent } from '../../src/events.js';
import { startedNodes } from './started-nodes.js';

const startNode = startedNodes();

const stateOf = (observer: Cluster, id: string): string | undefined =>
  observer.members({ includeDead: true }).find((member) => member.id === id)?.state;

describe('address reuse on real sockets', { timeout: 20_000 }, () => {
  it('a new member bound to a crashed member’s port is a new member; the old id is retired', async () => {
    // A 6 s suspicion: the old member is still suspect (not dead) when its port is reused, and
    // only the takeover, not the suspicion timeout, can retire it within the 3 s waited below.
    const slowToConvict = {
      suspicionRule: 'memberlist',
      suspicionMultiplier: 30,
      suspicionMaxTimeoutMultiplier: 1,
    } as const;
    const [first, second, old] = [
      await startNode(slowToConvict),
      await startNode(slowToConvict),
      await startNode(slowToConvict),
    ];
    await Promise.all([second, old].map((node) => node!.join([first!.localNode().gossipAddress])));
    await waitFor(() => [first, second, old].every((node) => node!.members().length === 3), {
      timeoutMs: 10_000,
      message: 'three members',
    });
    const events: ClusterEvent[] = [];
    for (const node of [first, second]) node!.onEvent((event) => events.push(event));
    const oldAddress = old!.localNode().gossipAddress;
    const oldPort = Number(oldAddress.slice(oldAddress.lastIndexOf(':') + 1));
    await old!.stop();
    await waitFor(() => [first, second].some((node) => stateOf(node!, old!.id) === 'suspect'), {
      timeoutMs: 10_000,
      message: 'the crashed member suspected',
    });

    const replacement = await startNode({ ...slowToConvict, gossipPort: oldPort });
    expect(replacement.localNode().gossipAddress).toBe(oldAddress);
    expect(replacement.id).not.toBe(old!.id);
    await replacement.join([first!.localNode().gossipAddress]);
    await waitFor(
      () =>
        [first, second].every(
          (node) =>
            stateOf(node!, replacement.id) === 'alive' && stateOf(node!, old!.id) === 'dead',
        ),
      { timeoutMs: 3000, message: 'the replacement alive and the old id dead at both members' },
    );
    for (const node of [first, second, replacement]) {
      expect(node!.members().map((member) => member.id)).not.toContain(old!.id);
    }
    expect(
      events.filter(
        (event) =>
          (event.type === 'NodeJoined' || event.type === 'NodeRecovered') &&
          event.node.id === old!.id,
      ),
    ).toEqual([]);
    expect(events.filter((e) => e.type === 'NodeFailed' && e.node.id === old!.id)).toHaveLength(2);
    expect(replacement.metrics().selfRefutations).toBe(0);
  });
});

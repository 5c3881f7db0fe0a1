import { describe, expect, it } from 'vitest';
import type { ClusterConfigInput } from '../../src/config.js';
import { eventsAt, formCluster, stateOf } from './harness.js';

/** Probe periods the cut lasts: the observer probes the target directly many times in them. */
const PERIODS = 300;

/**
 * Six members; the direct link between the first (the observer) and the second (the target) is
 * cut both ways, every other link works. Returns what the observer and the rest made of it.
 */
function cutOneLink(config: ClusterConfigInput) {
  const cluster = formCluster(6, { seed: 19, config });
  const [observer, target] = cluster.nodes as [
    (typeof cluster.nodes)[number],
    (typeof cluster.nodes)[number],
  ];
  const blockedBefore = cluster.network.stats().blockedByPartition;
  cluster.network.partition([observer.address], [target.address]);
  cluster.clock.advance(PERIODS * cluster.config.probeIntervalMs);
  return {
    cluster,
    observer,
    target,
    blocked: cluster.network.stats().blockedByPartition - blockedBefore,
  };
}

describe('indirect probes: a cut direct link is not a failure', () => {
  it('a member whose direct link to the target is cut, but whose helpers reach it, never suspects it', () => {
    const { cluster, observer, target, blocked } = cutOneLink({});
    // The observer did try the target directly, again and again, and every try was blocked.
    expect(blocked).toBeGreaterThan(PERIODS / 10);
    expect(eventsAt(observer, 'NodeSuspected', target.id)).toEqual([]);
    expect(eventsAt(observer, 'NodeFailed', target.id)).toEqual([]);
    expect(stateOf(observer, target.id)).toBe('alive');
    // Nobody heard an accusation either: the target never had to refute.
    expect(target.protocol.localNode().incarnation).toBe(0);
    for (const node of cluster.nodes.slice(2)) {
      expect(eventsAt(node, 'NodeSuspected', target.id), node.id).toEqual([]);
      expect(stateOf(node, target.id), node.id).toBe('alive');
    }
  });

  it('with indirectProbeCount: 0 the same cut makes the observer suspect the target', () => {
    const { observer, target, blocked } = cutOneLink({ indirectProbeCount: 0 });
    expect(blocked).toBeGreaterThan(PERIODS / 10);
    expect(eventsAt(observer, 'NodeSuspected', target.id).length).toBeGreaterThan(0);
    // The target hears the accusation through the others and refutes it.
    expect(target.protocol.localNode().incarnation).toBeGreaterThan(0);
  });
});

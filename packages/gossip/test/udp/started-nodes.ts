import { afterEach } from 'vitest';
import { Cluster } from '../../src/cluster.js';
import type { ClusterConfigInput } from '../../src/config.js';
import { fastLoopbackConfig } from './fast-config.js';

/**
 * Starts members on loopback with the fast test timings and stops every one of them after each
 * test of the file that calls it.
 */
export function startedNodes(): (overrides?: ClusterConfigInput) => Promise<Cluster> {
  const running: Cluster[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((cluster) => cluster.stop()));
  });
  return async (overrides = {}) => {
    const cluster = await Cluster.create(fastLoopbackConfig(overrides));
    running.push(cluster);
    return cluster;
  };
}

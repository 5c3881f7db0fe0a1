import { tryParseHostPort } from '@rpcnet/base';
import { ClusterConfigError, ClusterError, ClusterErrorCode } from './errors.js';

/**
 * Where a member finds seeds (gossip `host:port` addresses) to join through. Asked once by
 * `join()` and again on every join retry and periodic reconnect, so seeds whose addresses changed
 * (every pod of a Deployment replaced) are found again.
 */
export interface SeedDiscovery {
  /** What is asked, for logs and errors, e.g. `dns-srv _gossip._udp.workers.prod.svc`. */
  readonly description: string;
  /** The seeds now; rejects when the source cannot answer (the member retries with backoff). */
  discover(): Promise<readonly string[]>;
}

/** The first entry of `seeds` that is not `host:port`, if any. */
/** How seed discovery has gone so far; part of `Cluster.metrics()`. */
export interface SeedDiscoveryStats {
  /** The source's description, e.g. `dns-srv _gossip._udp.workers`. */
  readonly source: string;
  /** Discoveries that answered. */
  readonly discoveries: number;
  /** Discoveries that failed or timed out (all time). */
  readonly failures: number;
  /** Failures since the last answer; retries back off with each. */
  readonly consecutiveFailures: number;
  /** Why the last failure happened, if the last discovery failed. */
  readonly lastError: string | undefined;
  /** The seeds of the last answer, this node left out. */
  readonly seeds: readonly string[];
}

function firstInvalid(seeds: readonly unknown[]): unknown {
  return seeds.find((seed) => typeof seed !== 'string' || tryParseHostPort(seed) === undefined);
}

/** A fixed list of seeds (what `seedNodes` in the config is). */
export function staticSeeds(seeds: readonly string[]): SeedDiscovery {
  const invalid = firstInvalid(seeds);
  if (invalid !== undefined) {
    throw new ClusterConfigError('seeds', `${JSON.stringify(invalid)} is not "host:port"`);
  }
  const list = Object.freeze([...seeds]);
  return { description: `static ${list.join(', ')}`, discover: () => Promise.resolve(list) };
}

/**
 * Seeds from a function of yours (a service registry, a cloud API); its answers are checked to be
 * `host:port` strings, and a throw counts as a failed discovery.
 */
export function seedsFrom(
  discover: () => readonly string[] | Promise<readonly string[]>,
  description = 'custom seed function',
): SeedDiscovery {
  if (typeof discover !== 'function') {
    throw new ClusterConfigError('discover', 'must be a function returning "host:port" strings');
  }
  return {
    description,
    discover: async () => {
      const seeds = await discover();
      if (!Array.isArray(seeds) || firstInvalid(seeds) !== undefined) {
        throw new ClusterError(
          ClusterErrorCode.SeedDiscoveryFailed,
          `${description} returned ${JSON.stringify(seeds)}, not a list of "host:port" strings`,
        );
      }
      return seeds;
    },
  };
}

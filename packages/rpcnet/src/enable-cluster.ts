import { formatHostPort, type HostPort, type RpcServer } from '@rpcnet/core';
import {
  Cluster,
  type ClusterConfig,
  type ClusterConfigInput,
  type ClusterOptions,
  parseClusterConfig,
  withAdvertiseAddrFromEnv,
  withRpcAddress,
} from '@rpcnet/gossip';
import { HEALTHY_TAG } from '@rpcnet/registry';

/** Options of {@link enableCluster}: the cluster's own options plus where to listen. */
export interface EnableClusterOptions extends ClusterOptions {
  /** Where the server listens when `enableCluster` starts it. Default `127.0.0.1`, port 0. */
  readonly listen?: Partial<HostPort> | undefined;
}

const clustered = new WeakSet<RpcServer>();

/**
 * Makes `server` a cluster member with one call and returns the started, joined `Cluster`.
 * The server listens first (started here if it is not yet) so its bound address is gossiped as
 * the node's `rpcAddress` (unless `config.rpcAddress` is set); the node becomes known to others
 * only once the cluster joined. From then on `server.stop()` marks the node unhealthy (registries
 * stop choosing it), drains the server, and then leaves the cluster gracefully.
 */
export async function enableCluster(
  server: RpcServer,
  config: ClusterConfigInput | ClusterConfig = {},
  options: EnableClusterOptions = {},
): Promise<Cluster> {
  if (clustered.has(server)) throw new Error('this server is already part of a cluster');
  const parsed = withAdvertiseAddrFromEnv(parseClusterConfig(config), options.env);
  const { listen, ...clusterOptions } = options;
  let address = server.address;
  const startedHere = address === undefined;
  if (address === undefined) address = await server.start(listen ?? {});
  const rpcAddress = parsed.rpcAddress ?? formatHostPort(advertisedHost(address, parsed));
  const cluster = new Cluster(withRpcAddress(parsed, rpcAddress), clusterOptions);
  try {
    await cluster.start();
    await cluster.join();
  } catch (error) {
    await cluster.stop();
    if (startedHere) await server.stop({ graceMs: 0 });
    throw error;
  }
  clustered.add(server);
  // Drain first, then leave: the node stays a member (marked unhealthy) while calls finish.
  const removeHook = server.onStop({
    beforeDrain: () => {
      if (cluster.running) cluster.setTag(HEALTHY_TAG, 'false');
    },
    afterDrain: async () => {
      removeHook();
      clustered.delete(server);
      if (cluster.running) await cluster.leave().catch(() => cluster.stop());
    },
  });
  return cluster;
}

/** The host others reach the server at: the bound one unless it is a wildcard. */
function advertisedHost(address: HostPort, config: ClusterConfig): HostPort {
  if (address.host !== '0.0.0.0' && address.host !== '::') return address;
  const fallback =
    config.bindAddr === '0.0.0.0' || config.bindAddr === '::' ? '127.0.0.1' : config.bindAddr;
  return { host: config.advertiseAddr ?? fallback, port: address.port };
}

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
import {
  ManagementConfigError,
  ManagementServer,
  type ManagementServerOptions,
} from '@rpcnet/management';
import { HEALTHY_TAG } from '@rpcnet/registry';

/** The management endpoint {@link enableCluster} starts: its options without `cluster`. */
export type ClusterManagementOptions = Omit<ManagementServerOptions, 'cluster'>;

/** Options of {@link enableCluster}: the cluster's own options plus where to listen. */
export interface EnableClusterOptions extends ClusterOptions {
  /** Where the server listens when `enableCluster` starts it. Default `127.0.0.1`, port 0. */
  readonly listen?: Partial<HostPort> | undefined;
  /**
   * Starts the management endpoint and web console for this member once it joined (`true` for
   * the defaults: 127.0.0.1, an ephemeral port), stopped after the member left. Read its URL
   * with {@link managementEndpointOf}. Default off.
   */
  readonly management?: boolean | ClusterManagementOptions | undefined;
}

const clustered = new WeakSet<RpcServer>();
const endpoints = new WeakMap<Cluster, ManagementServer>();

/** The management endpoint `enableCluster` started for `cluster`, if its `management` option asked. */
export function managementEndpointOf(cluster: Cluster): ManagementServer | undefined {
  return endpoints.get(cluster);
}

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
  const { listen, management, ...clusterOptions } = options;
  const managementOptions = resolveManagement(management, clusterOptions);
  let address = server.address;
  const startedHere = address === undefined;
  if (address === undefined) address = await server.start(listen ?? {});
  const rpcAddress = parsed.rpcAddress ?? formatHostPort(advertisedHost(address, parsed));
  const cluster = new Cluster(withRpcAddress(parsed, rpcAddress), clusterOptions);
  let endpoint: ManagementServer | undefined;
  try {
    await cluster.start();
    await cluster.join();
    if (managementOptions !== undefined) {
      endpoint = await ManagementServer.start({ ...managementOptions, cluster });
      endpoints.set(cluster, endpoint);
    }
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
      await endpoint?.stop();
    },
  });
  return cluster;
}

/** The endpoint's options, or undefined when off; the cluster's logger unless one is given. */
function resolveManagement(
  management: EnableClusterOptions['management'],
  clusterOptions: ClusterOptions,
): ClusterManagementOptions | undefined {
  if (management === undefined || management === false) return undefined;
  if (management === true) return { logger: clusterOptions.logger };
  if (typeof management !== 'object' || management === null) {
    throw new ManagementConfigError('management', 'expected true, false or endpoint options');
  }
  return { logger: clusterOptions.logger, ...management };
}

/** The host others reach the server at: the bound one unless it is a wildcard. */
function advertisedHost(address: HostPort, config: ClusterConfig): HostPort {
  if (address.host !== '0.0.0.0' && address.host !== '::') return address;
  const fallback =
    config.bindAddr === '0.0.0.0' || config.bindAddr === '::' ? '127.0.0.1' : config.bindAddr;
  return { host: config.advertiseAddr ?? fallback, port: address.port };
}

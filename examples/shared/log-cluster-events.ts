import type { Cluster, ClusterNode, Logger } from 'rpcnet';

/** How a member is named in log lines: its label, else its role and short id. */
export function memberName(node: ClusterNode): string {
  return node.tags.label ?? `${node.tags.role ?? 'member'} ${node.id.slice(0, 6)}`;
}

/** Options of {@link logClusterEvents}. */
export interface ClusterEventLogOptions {
  /** Also log other members turning healthy or unhealthy (the director cares; workers do not). */
  readonly healthChanges?: boolean;
}

/** Logs membership changes in friendly lines; returns the unsubscribe function. */
export function logClusterEvents(
  cluster: Cluster,
  log: Logger,
  options: ClusterEventLogOptions = {},
): () => void {
  const self = cluster.localNode().id;
  return cluster.onEvent((event) => {
    if ('node' in event && event.node.id === self) return;
    switch (event.type) {
      case 'NodeJoined':
        log.info(`👋 ${memberName(event.node)} joined the cluster (${event.node.gossipAddress})`);
        break;
      case 'NodeLeft':
        log.info(`🚪 ${memberName(event.node)} left the cluster`);
        break;
      case 'NodeFailed':
        log.warn(`💀 ${memberName(event.node)} failed (no answer to probes)`);
        break;
      case 'NodeSuspected':
        log.warn(`🤔 ${memberName(event.node)} is suspected`);
        break;
      case 'NodeRecovered':
        log.info(`💚 ${memberName(event.node)} is alive again`);
        break;
      case 'NodeUpdated': {
        const before = event.previous.tags.healthy;
        const after = event.node.tags.healthy;
        if (options.healthChanges === true && before !== after && after !== undefined) {
          log.info(
            `🩺 ${memberName(event.node)} is now ${after === 'false' ? 'unhealthy' : 'healthy'}`,
          );
        }
        break;
      }
      case 'PartitionDetected':
        log.warn(`✂️  partition suspected: ${event.unreachable.length} members unreachable`);
        break;
      case 'PartitionHealed':
        log.info(`🩹 partition healed: ${event.rejoined.length} members back`);
        break;
    }
  });
}

import { ErrorCode, RpcClient, type RpcClientOptions, RpcError } from '@rpcnet/core';
import type { ClusterNode, NodeTags } from '@rpcnet/gossip';
import { parseFilterString } from '@rpcnet/registry';

/** A member that serves RPC, with a way to connect to it. */
export interface DiscoveredNode extends ClusterNode {
  readonly rpcAddress: string;
  /** Opens an `RpcClient` to this node's RPC address (options over the discovery defaults). */
  connect(options?: RpcClientOptions): Promise<RpcClient>;
}

/** What {@link discoverNodes} needs of a cluster: `Cluster` from `@rpcnet/gossip` provides it. */
export interface NodeDirectory {
  /** Live members carrying every given tag. */
  nodesByTag(filter: NodeTags): readonly ClusterNode[];
}

/**
 * The live members serving RPC whose tags match `tags` (`{ role: 'worker' }` or
 * `'role=worker,zone=a'`; all when omitted). `defaults` are the client options `connect()` uses.
 */
export function discoverNodes(
  cluster: NodeDirectory,
  tags: NodeTags | string = {},
  defaults: RpcClientOptions = {},
): DiscoveredNode[] {
  const filter = typeof tags === 'string' ? parseFilterString(tags) : tags;
  const found: DiscoveredNode[] = [];
  for (const node of cluster.nodesByTag(filter)) {
    const rpcAddress = node.rpcAddress;
    if (rpcAddress === undefined || rpcAddress === '') continue;
    found.push(
      Object.freeze({
        ...node,
        rpcAddress,
        connect: (options: RpcClientOptions = {}) =>
          RpcClient.connect(rpcAddress, { ...defaults, ...options }),
      }),
    );
  }
  return found;
}

/**
 * Connects to a member's RPC address; rejects with UNAVAILABLE (notProcessed) when the member
 * advertises none.
 */
export function connectNode(node: ClusterNode, options: RpcClientOptions = {}): Promise<RpcClient> {
  if (node.rpcAddress === undefined || node.rpcAddress === '') {
    return Promise.reject(
      new RpcError(ErrorCode.UNAVAILABLE, `node ${node.id} advertises no RPC address`, {
        notProcessed: true,
      }),
    );
  }
  return RpcClient.connect(node.rpcAddress, options);
}

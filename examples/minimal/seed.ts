// The seed: a cluster member at a known gossip address that workers and clients join through.
// It serves no RPC; it only watches members come and go.
import { Cluster, type ClusterNode, localClusterConfig } from 'rpcnet';

const gossipPort = Number(process.env.SEED_PORT ?? 7946);
const seed = await Cluster.create(localClusterConfig({ gossipPort, tags: { role: 'seed' } }));

const show =
  (what: string) =>
  ({ node }: { node: ClusterNode }) =>
    console.log(`${what}: ${node.tags.role} at ${node.gossipAddress}`);
seed.on('NodeJoined', show('joined'));
seed.on('NodeLeft', show('left'));
seed.on('NodeFailed', show('failed'));

console.log(`seed at ${seed.localNode().gossipAddress} (pid ${process.pid})`);
process.once('SIGINT', () => void seed.leave());
process.once('SIGTERM', () => void seed.leave());

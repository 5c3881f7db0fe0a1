// A client: joins the cluster, follows its workers with a WorkerRegistry, and calls them through
// ClusterClient (round robin over healthy workers, pooled connections, failover).
import { Cluster, ClusterClient, localClusterConfig, RoundRobin, WorkerRegistry } from 'rpcnet';
import { sharedDevCertificate } from '../shared/dev-certificate.js';

const { certPem } = sharedDevCertificate(); // the workers' certificate is the client's only CA
const seed = process.env.SEED ?? '127.0.0.1:7946';

const cluster = await Cluster.create(
  localClusterConfig({ gossipPort: 0, seedNodes: [seed], tags: { role: 'client' } }),
);
await cluster.join();
const registry = new WorkerRegistry(cluster, new RoundRobin(), { workerFilter: 'role=worker' });
registry.start();
await new Promise((found) => (registry.size > 0 ? found(0) : registry.on('WorkerAdded', found)));

const client = new ClusterClient(registry, { tls: { ca: certPem } });
for (const word of ['hello', 'from', 'the', 'cluster']) {
  const reply = await client.callWorkerDetailed('upper', new TextEncoder().encode(word));
  const worker = registry.getWorker(reply.workerId)?.rpcAddress;
  console.log(`${word} -> ${new TextDecoder().decode(reply.response)} (worker at ${worker})`);
}
await client.close();
registry.stop();
await cluster.leave();

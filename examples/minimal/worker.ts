// A worker: an RpcServer with one method, made a cluster member by enableCluster. Its RPC address
// and tags spread by gossip, so clients find it with no registration call.
import { enableCluster, localClusterConfig, RpcServer } from 'rpcnet';
import { sharedDevCertificate } from '../shared/dev-certificate.js';

const { certPem, keyPem } = sharedDevCertificate(); // DEVELOPMENT ONLY: a self-signed certificate
const seed = process.env.SEED ?? '127.0.0.1:7946';

const server = new RpcServer({ tls: { cert: certPem, key: keyPem } });
server.unary('upper', (request) => {
  const text = new TextDecoder().decode(request);
  console.log(`upper("${text}")`);
  return new TextEncoder().encode(text.toUpperCase());
});

const cluster = await enableCluster(
  server,
  localClusterConfig({ gossipPort: 0, seedNodes: [seed], tags: { role: 'worker' } }),
);
console.log(`worker serving at ${cluster.localNode().rpcAddress} (pid ${process.pid})`);
// server.stop(): marks the worker unhealthy, finishes calls in flight, then leaves the cluster.
process.once('SIGINT', () => void server.stop());
process.once('SIGTERM', () => void server.stop());

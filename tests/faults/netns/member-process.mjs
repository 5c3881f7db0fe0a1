// One cluster member in its own network namespace, started by `ip netns exec ... node <this> <spec>`.
// Plain ESM so Node runs it without a TypeScript loader; it uses the built `rpcnet` package.
// argv[2] is a JSON spec: { name, address, port, joinThrough, seedNodes, config?, rpc? } where
// rpc is { role: 'worker', port, certPem, keyPem } (serves `echo` over QUIC, tagged role=worker)
// or { role: 'caller', caPem } (calls the workers through a ClusterClient).
// Writes one JSON object per stdout line: ready, event, view (after every event), metrics, calls,
// error. Reads one JSON command per stdin line: {cmd:'metrics'}, {cmd:'stop'},
// {cmd:'call', count, concurrency, timeoutMs}. Exits when stdin closes (the parent is gone).
import { createInterface } from 'node:readline';
import {
  Cluster,
  ClusterClient,
  enableCluster,
  local,
  RoundRobin,
  RpcError,
  RpcServer,
  WorkerRegistry,
} from 'rpcnet';

const spec = JSON.parse(process.argv[2] ?? '{}');
// The parent is gone when its end of stdout closes: nobody is left to report to, so exit.
process.stdout.on('error', () => process.exit(0));
const write = (line) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...line })}\n`);
const encoder = new TextEncoder();
/** How long past its deadline a call may take before it counts as vanished. */
const VANISHED_AFTER_MS = 2000;

/** The event without node snapshots: ids and states are what the harness checks. */
function summarize(event) {
  switch (event.type) {
    case 'PartitionDetected':
      return { type: event.type, reachable: event.reachable, unreachable: event.unreachable };
    case 'PartitionHealed':
      return { type: event.type, rejoined: event.rejoined };
    default:
      return { type: event.type, node: event.node.id, state: event.node.state };
  }
}

/** Runs `count` echo calls, `concurrency` at a time, and tallies how each one ended. */
async function runCalls(client, { count, concurrency, timeoutMs }) {
  const tally = { ok: 0, failed: {}, vanished: 0, slowestMs: 0, byWorker: {} };
  const running = new Set();
  const one = async (index) => {
    const started = performance.now();
    let guard;
    const vanished = new Promise((resolve) => {
      guard = setTimeout(() => resolve('vanished'), timeoutMs + VANISHED_AFTER_MS);
    });
    const call = client
      .callWorkerDetailed('echo', encoder.encode(`${index}`), 'role=worker', { timeoutMs })
      .then(
        (result) => ({ ok: true, workerId: result.workerId }),
        (error) => ({ ok: false, code: error instanceof RpcError ? error.code : 'untyped' }),
      );
    const outcome = await Promise.race([call, vanished]);
    clearTimeout(guard);
    tally.slowestMs = Math.max(tally.slowestMs, performance.now() - started);
    if (outcome === 'vanished') tally.vanished += 1;
    else if (outcome.ok) {
      tally.ok += 1;
      tally.byWorker[outcome.workerId] = (tally.byWorker[outcome.workerId] ?? 0) + 1;
    } else tally.failed[outcome.code] = (tally.failed[outcome.code] ?? 0) + 1;
  };
  for (let index = 0; index < count; index += 1) {
    const call = one(index).finally(() => running.delete(call));
    running.add(call);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return tally;
}

async function startMember() {
  const config = local({
    bindAddr: spec.address,
    gossipPort: spec.port,
    seedNodes: spec.seedNodes,
    tags: { name: spec.name, role: spec.rpc?.role ?? 'member' },
    ...spec.config,
  });
  if (spec.rpc?.role === 'worker') {
    const server = new RpcServer({ tls: { cert: spec.rpc.certPem, key: spec.rpc.keyPem } });
    server.unary('echo', async (request) => {
      const reply = new Uint8Array(request.length + spec.name.length + 1);
      reply.set(encoder.encode(`${spec.name}:`));
      reply.set(request, spec.name.length + 1);
      return reply;
    });
    const cluster = await enableCluster(server, config, {
      listen: { host: spec.address, port: spec.rpc.port },
    });
    return { cluster, close: () => server.stop({ graceMs: 0 }) };
  }
  const cluster = await Cluster.create(config);
  await cluster.join(spec.joinThrough);
  if (spec.rpc?.role !== 'caller') return { cluster, close: () => cluster.stop() };
  const registry = new WorkerRegistry(cluster, new RoundRobin(), { workerFilter: 'role=worker' });
  registry.start();
  const client = new ClusterClient(registry, {
    tls: { ca: spec.rpc.caPem },
    attemptTimeoutMs: 1000,
    maxAttempts: 3,
  });
  const close = async () => {
    await client.close();
    registry.stop();
    await cluster.stop();
  };
  return { cluster, client, close };
}

async function main() {
  const member = await startMember();
  const { cluster } = member;
  const view = () =>
    cluster.members({ includeDead: true }).map((node) => ({ id: node.id, state: node.state }));
  cluster.onEvent((event) => {
    write({ type: 'event', event: summarize(event) });
    write({ type: 'view', members: view() });
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await member.close().catch(() => undefined);
    process.exit(0);
  };
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      const command = JSON.parse(line);
      if (command.cmd === 'metrics') write({ type: 'metrics', metrics: cluster.metrics() });
      else if (command.cmd === 'stop') void stop();
      else if (command.cmd === 'call') {
        if (member.client === undefined)
          write({ type: 'error', error: `${spec.name} is no caller` });
        else
          runCalls(member.client, command).then(
            (tally) => write({ type: 'calls', tally }),
            (error) => write({ type: 'error', error: String(error?.stack ?? error) }),
          );
      }
    })
    .on('close', () => void stop());
  write({ type: 'ready', id: cluster.id });
  write({ type: 'view', members: view() });
}

main().catch((error) => {
  write({ type: 'error', error: String(error?.stack ?? error) });
  process.exit(1);
});

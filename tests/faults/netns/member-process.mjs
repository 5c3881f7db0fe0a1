// One cluster member in its own network namespace, started by `ip netns exec ... node <this> <spec>`.
// Plain ESM so Node runs it without a TypeScript loader; it uses the built `rpcnet` package.
// argv[2] is a JSON spec: { name, address, port, joinThrough, seedNodes, config?, rpc?, discovery? }
// where rpc is { role: 'worker', port, certPem, keyPem } (serves `echo` over QUIC, tagged
// role=worker) or { role: 'caller', caPem } (calls the workers through a ClusterClient), and
// discovery is { kind: 'dns' | 'dns-srv', name, port?, server } (seeds from a DNS server only);
// with awaitStart it writes `loaded` and starts the member on its first stdin line.
// Writes one JSON object per stdout line: ready, event, view (after every event), metrics, calls,
// error. Reads one JSON command per stdin line: {cmd:'metrics'}, {cmd:'stop'},
// {cmd:'call', count, concurrency, timeoutMs, pauseMs?}, {cmd:'call-stop'} (ends a call batch
// started with count null early). Exits when stdin closes (the parent is gone).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Resolver } from 'node:dns/promises';
import { createInterface } from 'node:readline';
import {
  Cluster,
  ClusterClient,
  dnsSeeds,
  dnsSrvSeeds,
  enableCluster,
  localClusterConfig,
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

/** The start time (ms since the epoch) of the call whose async context is current. */
const callStart = new AsyncLocalStorage();
/** Set by {cmd:'call-stop'}: the running batch starts no more calls. */
let stopCalling = false;

/** The seed source `spec.discovery` names: a resolver asking only the lab's DNS server. */
function seedDiscovery() {
  const discovery = spec.discovery;
  if (discovery === undefined) return undefined;
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([discovery.server]);
  const options = { name: discovery.name, resolver, family: 'ipv4' };
  return discovery.kind === 'dns-srv'
    ? dnsSrvSeeds(options)
    : dnsSeeds({ ...options, port: discovery.port });
}

/**
 * Runs `count` echo calls (until {cmd:'call-stop'} when count is null), `concurrency` at a time,
 * each lane pausing `pauseMs` between calls, and tallies how each one ended. `routedTo` maps each
 * worker id an attempt went to (served, failed, failed over to or hedged to) to the start time of
 * the latest call that made such an attempt.
 */
async function runCalls(client, { count, concurrency, timeoutMs, pauseMs = 0 }) {
  const tally = { ok: 0, failed: {}, vanished: 0, slowestMs: 0, byWorker: {}, routedTo: {} };
  const routed = (workerId, startedAt) => {
    tally.routedTo[workerId] = Math.max(tally.routedTo[workerId] ?? 0, startedAt);
  };
  const unsubscribe = client.onEvent((event) => {
    const startedAt = callStart.getStore();
    if (startedAt === undefined) return;
    if (event.type === 'Failover' || event.type === 'Hedge') routed(event.workerId, startedAt);
    if (event.type === 'Failover' && event.previousWorkerId !== undefined)
      routed(event.previousWorkerId, startedAt);
  });
  const limit = count ?? Number.POSITIVE_INFINITY;
  stopCalling = false;
  const running = new Set();
  const one = async (index) => {
    const started = performance.now();
    const startedAt = Date.now();
    let guard;
    const vanished = new Promise((resolve) => {
      guard = setTimeout(() => resolve('vanished'), timeoutMs + VANISHED_AFTER_MS);
    });
    const call = callStart
      .run(startedAt, () =>
        client.callWorkerDetailed('echo', encoder.encode(`${index}`), 'role=worker', {
          timeoutMs,
        }),
      )
      .then(
        (result) => {
          for (const workerId of [...result.failedWorkers, result.workerId]) {
            routed(workerId, startedAt);
          }
          return { ok: true, workerId: result.workerId };
        },
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
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  };
  for (let index = 0; index < limit && !stopCalling; index += 1) {
    const call = one(index).finally(() => running.delete(call));
    running.add(call);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  unsubscribe();
  return tally;
}

async function startMember() {
  const config = localClusterConfig({
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
    const discovery = seedDiscovery();
    const cluster = await enableCluster(server, config, {
      listen: { host: spec.address, port: spec.rpc.port },
      ...(discovery === undefined ? {} : { seedDiscovery: discovery }),
    });
    return { cluster, close: () => server.stop({ graceMs: 0 }) };
  }
  const discovery = seedDiscovery();
  const cluster = await Cluster.create(
    config,
    discovery === undefined ? {} : { seedDiscovery: discovery },
  );
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
  const commands = createInterface({ input: process.stdin });
  if (spec.awaitStart) {
    // Loaded and waiting: the harness kills a member and has this one take its address at once.
    commands.once('close', () => process.exit(0));
    write({ type: 'loaded' });
    await new Promise((resolve) => commands.once('line', resolve));
  }
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
  commands
    .on('line', (line) => {
      const command = JSON.parse(line);
      if (command.cmd === 'metrics') write({ type: 'metrics', metrics: cluster.metrics() });
      else if (command.cmd === 'stop') void stop();
      else if (command.cmd === 'call-stop') stopCalling = true;
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

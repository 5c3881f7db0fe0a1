// The cost of rpcnet's instrumentation: unary 64 B calls over the real QUIC transport (client and
// server in one process, loopback) and over the in-memory one (the RPC layer's own CPU alone, an
// upper bound of the ratio), with no interceptors, with the Prometheus metrics (call observers), and
// with the OpenTelemetry tracing interceptors. Tracing runs the SDK as production does
// (BatchSpanProcessor, AsyncLocalStorage context manager, W3C propagator) with an exporter that
// drops each batch (serialization and I/O depend on the backend and are left out): every span
// recorded (the goal row), 10% of traces sampled, and the interceptors with no SDK registered;
// and interceptors that only pass each call on (what being intercepted costs by itself).
// Each variant runs in its own child process (a context manager is process-wide), rounds
// interleaved; the report is the median CPU per call and its ratio to none.
// Prints a table and writes it to bench/results/interceptor-cost.{md,json}.
//   pnpm --filter @rpcnet/bench bench:interceptors [--rounds 5] [--calls 20000] [--transport quic|memory]
//     [--variants none,tracing,...]
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  type CallObserver,
  type ClientInterceptor,
  createDevCertificate,
  InMemoryTransport,
  RpcClient,
  RpcServer,
  type ServerInterceptor,
} from '@rpcnet/core';
import { tracingClientInterceptor, tracingServerInterceptor } from '@rpcnet/opentelemetry';
import { RpcnetMetrics } from '@rpcnet/prometheus';
import { Registry } from 'prom-client';
import { droppingSpanExporter } from './dropping-span-exporter.js';
import { median } from './statistics.js';

const VARIANTS = [
  'none',
  'metrics',
  'tracing',
  'tracing-sampled-10',
  'tracing-no-sdk',
  'context-manager',
  'pass-through',
] as const;
type Variant = (typeof VARIANTS)[number];
/** How each variant reads in the report. */
const LABELS: Record<Variant, string> = {
  none: 'none',
  metrics: 'metrics',
  tracing: 'tracing',
  'tracing-sampled-10': 'tracing, 10% sampled',
  'tracing-no-sdk': 'tracing, no SDK',
  'context-manager': 'AsyncLocalStorage',
  'pass-through': 'pass-through',
};
const CONCURRENCIES = [1, 64] as const;
const TRANSPORTS = ['quic', 'memory'] as const;
type TransportKind = (typeof TRANSPORTS)[number];

function interceptorsOf(variant: Variant): {
  server: ServerInterceptor[];
  client: ClientInterceptor[];
  serverObservers?: CallObserver[];
  clientObservers?: CallObserver[];
} {
  if (variant === 'metrics') {
    const metrics = new RpcnetMetrics({ registry: new Registry() });
    return {
      server: [],
      client: [],
      serverObservers: [metrics.serverObserver],
      clientObservers: [metrics.clientObserver],
    };
  }
  if (variant === 'pass-through') {
    // Interceptors that only pass each call on: what being intercepted costs by itself.
    return {
      server: [(next) => (request) => next(request)],
      client: [(next) => (request) => next(request)],
    };
  }
  if (variant === 'context-manager') {
    // No interceptors: what the context manager alone costs every call of the process.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    context.with(ROOT_CONTEXT.setValue(Symbol('entered'), true), () => undefined);
  }
  if (variant === 'tracing' || variant === 'tracing-sampled-10') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(droppingSpanExporter)],
        ...(variant === 'tracing-sampled-10'
          ? { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }) }
          : {}),
      }),
    );
  }
  if (variant.startsWith('tracing')) {
    return { server: [tracingServerInterceptor()], client: [tracingClientInterceptor()] };
  }
  return { server: [], client: [] };
}

/** One measurement, in this process: CPU µs per call after a warm-up. */
async function measure(
  kind: TransportKind,
  variant: Variant,
  concurrency: number,
  calls: number,
): Promise<number> {
  const interceptors = interceptorsOf(variant);
  const certificate = createDevCertificate();
  const transport = kind === 'memory' ? new InMemoryTransport() : undefined;
  const server = new RpcServer({
    ...(transport
      ? { transport }
      : { tls: { cert: certificate.certPem, key: certificate.keyPem } }),
    interceptors: interceptors.server,
    observers: interceptors.serverObservers ?? [],
  });
  server.unary('echo', (request) => request);
  const address = await server.start();
  const client = await RpcClient.connect(address, {
    ...(transport ? { transport } : { tls: { ca: certificate.certPem } }),
    interceptors: interceptors.client,
    observers: interceptors.clientObservers ?? [],
  });
  const request = new Uint8Array(64);
  const run = async (count: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < count) {
          started += 1;
          await client.unary('echo', request);
        }
      }),
    );
  };
  await run(Math.min(calls, 20_000));
  const before = process.cpuUsage();
  await run(calls);
  const used = process.cpuUsage(before);
  await client.close();
  await server.stop({ graceMs: 0 });
  return (used.user + used.system) / calls;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      calls: { type: 'string', default: '20000' },
      child: { type: 'string' },
      concurrency: { type: 'string' },
      transport: { type: 'string' },
      variants: { type: 'string' },
    },
  });
  const calls = Number(values.calls);
  if (values.child !== undefined) {
    const usPerCall = await measure(
      values.transport as TransportKind,
      values.child as Variant,
      Number(values.concurrency),
      calls,
    );
    process.stdout.write(`${usPerCall}\n`);
    // The QUIC socket may keep the loop alive a little after close: the number is out.
    process.exit(0);
  }
  const transports =
    values.transport === undefined ? TRANSPORTS : [values.transport as TransportKind];
  for (const kind of transports) {
    if (!TRANSPORTS.includes(kind))
      throw new Error(`--transport: expected quic or memory, got ${kind}`);
  }
  const variants = (values.variants?.split(',') ?? VARIANTS) as Variant[];
  for (const variant of variants) {
    if (!VARIANTS.includes(variant) || (variant !== 'none' && !variants.includes('none'))) {
      throw new Error(`--variants: expected none and some of ${VARIANTS.join(', ')}`);
    }
  }
  const self = fileURLToPath(import.meta.url);
  const samples = new Map<string, number[]>();
  const [load1] = loadavg();
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const kind of transports) {
      for (const concurrency of CONCURRENCIES) {
        for (const variant of variants) {
          const out = execFileSync(
            process.execPath,
            [
              ...process.execArgv,
              self,
              '--child',
              variant,
              '--transport',
              kind,
              '--concurrency',
              `${concurrency}`,
              '--calls',
              `${calls}`,
            ],
            { encoding: 'utf8' },
          );
          const key = `${kind}/${concurrency}/${variant}`;
          samples.set(key, [...(samples.get(key) ?? []), Number(out.trim())]);
        }
      }
    }
  }
  const heading = `unary 64 B: median CPU per call (client + server), ${values.rounds} interleaved rounds of ${calls} calls; ${cpus().length} cores, load average ${load1?.toFixed(1)} at start, ${loadavg()[0]?.toFixed(1)} at end`;
  const rows: Array<{
    transport: TransportKind;
    inFlight: number;
    variant: Variant;
    usPerCall: number;
    ratio: number;
  }> = [];
  for (const kind of transports) {
    for (const concurrency of CONCURRENCIES) {
      const none = median(samples.get(`${kind}/${concurrency}/none`) ?? []);
      for (const variant of variants) {
        const us = median(samples.get(`${kind}/${concurrency}/${variant}`) ?? []);
        rows.push({
          transport: kind,
          inFlight: concurrency,
          variant,
          usPerCall: us,
          ratio: us / none,
        });
      }
    }
  }
  console.log(heading);
  for (const kind of transports) {
    console.log(kind === 'quic' ? 'QUIC (lean driver, loopback)' : 'in-memory transport');
    for (const row of rows.filter((entry) => entry.transport === kind)) {
      console.log(
        `  ${`${row.inFlight}`.padStart(2)} in flight, ${LABELS[row.variant].padEnd(20)} ${row.usPerCall.toFixed(1).padStart(6)} µs/call  ${row.ratio.toFixed(2)}x none`,
      );
    }
  }
  await writeResults(heading, rows);
}

/** bench/results/interceptor-cost.{md,json}: this run's table, with when and under what load. */
async function writeResults(
  heading: string,
  rows: Array<{
    transport: TransportKind;
    inFlight: number;
    variant: Variant;
    usPerCall: number;
    ratio: number;
  }>,
): Promise<void> {
  const directory = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(directory, { recursive: true });
  const when = new Date().toISOString();
  const lines = [
    '# Cost of instrumentation (interceptors)',
    '',
    `Written by \`pnpm --filter @rpcnet/bench bench:interceptors\` at ${when}, Node ${process.version}. ${heading}. Goals: metrics under 1.10x, tracing under 1.20x of none. Tracing: BatchSpanProcessor (the SDK's production setting) with an exporter that drops each batch, AsyncLocalStorage context manager, W3C propagator; every span recorded unless the row says sampled; \`no SDK\`: the interceptors with nothing registered.`,
    '',
    '| transport | in flight | variant | CPU µs/call | ratio to none |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.transport} | ${row.inFlight} | ${LABELS[row.variant]} | ${row.usPerCall.toFixed(1)} | ${row.ratio.toFixed(2)}x |`,
    ),
    '',
  ];
  await writeFile(`${directory}interceptor-cost.md`, lines.join('\n'));
  await writeFile(
    `${directory}interceptor-cost.json`,
    `${JSON.stringify({ writtenAt: when, node: process.version, heading, rows }, null, 2)}\n`,
  );
}

await main();

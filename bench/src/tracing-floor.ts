// The floor under rpcnet's tracing cost: what the OpenTelemetry SDK and API themselves cost per
// operation, outside any RPC. A span per call on each side (start with attributes, status
// attribute, end) under the SDK configurations a user may run, `context.with` with the
// AsyncLocalStorage context manager, what an enabled AsyncLocalStorage adds to every promise
// (Node 20 installs promise hooks; Node 24 uses AsyncContextFrame), and a W3C traceparent
// inject + extract. Each case runs in its own child process (a context manager is process-wide);
// the report is the median CPU ns per operation over the rounds.
//   pnpm --filter @rpcnet/bench exec tsx src/tracing-floor.ts [--rounds 5] [--ops 200000]
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { droppingSpanExporter } from './dropping-span-exporter.js';
import { median } from './statistics.js';

const CASES = {
  'span, no SDK registered (API no-op)': () => spanLoop(),
  'span, SimpleSpanProcessor + InMemorySpanExporter': () => {
    const exporter = new InMemorySpanExporter();
    setInterval(() => exporter.reset(), 100).unref();
    register([new SimpleSpanProcessor(exporter)]);
    return spanLoop();
  },
  'span, BatchSpanProcessor + dropping exporter': () => {
    register([new BatchSpanProcessor(droppingSpanExporter)]);
    return spanLoop();
  },
  'span, BatchSpanProcessor, sampled 10%': () => {
    register(
      [new BatchSpanProcessor(droppingSpanExporter)],
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
    );
    return spanLoop();
  },
  'span, not sampled (AlwaysOff)': () => {
    register([new BatchSpanProcessor(droppingSpanExporter)], new AlwaysOffSampler());
    return spanLoop();
  },
  'context.with, no context manager': () => withLoop(),
  'context.with, AsyncLocalStorageContextManager': () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return withLoop();
  },
  'await, no context manager': () => awaitLoop(),
  'await, AsyncLocalStorageContextManager enabled': () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return awaitLoop();
  },
  'W3C inject + extract (traceparent)': () => {
    register([new BatchSpanProcessor(droppingSpanExporter)]);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    return propagationLoop();
  },
} satisfies Record<string, () => (ops: number) => Promise<void> | void>;
type CaseName = keyof typeof CASES;

function register(
  spanProcessors: BatchSpanProcessor[] | SimpleSpanProcessor[],
  sampler?: ParentBasedSampler | AlwaysOffSampler,
): void {
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors, ...(sampler ? { sampler } : {}) }),
  );
}

/** One call's span on one side: started with rpcnet's attributes, status set, ended. */
function spanLoop(): (ops: number) => Promise<void> {
  const tracer = trace.getTracer('@rpcnet/opentelemetry');
  return async (ops) => {
    for (let index = 0; index < ops; index += 1) {
      // Yields as calls do, so the processors' timers and exports run (and a full batch queue
      // does not drop spans unmeasured).
      if (index % 64 === 0) await new Promise(setImmediate);
      const span = tracer.startSpan(
        'echo',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'rpc.system': 'rpcnet',
            'rpc.method': 'echo',
            'rpcnet.call_kind': 'unary',
            'server.address': '127.0.0.1',
            'server.port': 4433,
          },
        },
        ROOT_CONTEXT,
      );
      span.setAttribute('rpc.response.status_code', 'OK');
      span.end();
    }
  };
}

function withLoop(): (ops: number) => void {
  const active = ROOT_CONTEXT.setValue(Symbol('key'), 1);
  const body = (value: number) => value + 1;
  return (ops) => {
    let sum = 0;
    for (let index = 0; index < ops; index += 1) sum = context.with(active, body, undefined, sum);
    if (sum !== ops) throw new Error('unreachable');
  };
}

/**
 * Ten awaits of settled promises per operation (a call's path awaits a handful of these), inside
 * a context as a traced call's are: AsyncLocalStorage hooks promises once first entered.
 */
function awaitLoop(): (ops: number) => Promise<void> {
  const step = async (value: number) => value + 1;
  const active = ROOT_CONTEXT.setValue(Symbol('key'), 1);
  const loop = async (ops: number) => {
    for (let index = 0; index < ops / 10; index += 1) {
      let value = 0;
      for (let inner = 0; inner < 10; inner += 1) value = await step(value);
    }
  };
  return (ops) => context.with(active, loop, undefined, ops);
}

function propagationLoop(): (ops: number) => void {
  const span = trace.getTracer('floor').startSpan('parent');
  const active: Context = trace.setSpan(ROOT_CONTEXT, span);
  return (ops) => {
    for (let index = 0; index < ops; index += 1) {
      const carrier: Record<string, string> = {};
      propagation.inject(active, carrier);
      const extracted = propagation.extract(ROOT_CONTEXT, carrier);
      if (trace.getSpanContext(extracted) === undefined) throw new Error('no span context');
    }
  };
}

async function child(name: CaseName, ops: number): Promise<number> {
  const run = CASES[name]();
  await run(Math.min(ops, 50_000));
  const before = process.cpuUsage();
  await run(ops);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / ops;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      ops: { type: 'string', default: '200000' },
      child: { type: 'string' },
    },
  });
  const ops = Number(values.ops);
  if (values.child !== undefined) {
    process.stdout.write(`${await child(values.child as CaseName, ops)}\n`);
    process.exit(0);
  }
  const self = fileURLToPath(import.meta.url);
  const names = Object.keys(CASES) as CaseName[];
  const samples = new Map<CaseName, number[]>();
  const [load1] = loadavg();
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const name of names) {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, self, '--child', name, '--ops', `${ops}`],
        { encoding: 'utf8' },
      );
      samples.set(name, [...(samples.get(name) ?? []), Number(out.trim())]);
    }
  }
  console.log(
    `median CPU ns per operation, ${values.rounds} rounds of ${ops}; Node ${process.version}, ${cpus().length} cores, load ${load1?.toFixed(1)} at start, ${loadavg()[0]?.toFixed(1)} at end`,
  );
  for (const name of names) {
    const all = samples.get(name) ?? [];
    console.log(
      `  ${name.padEnd(52)} ${median(all).toFixed(0).padStart(6)} ns  (${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)})`,
    );
  }
}

await main();

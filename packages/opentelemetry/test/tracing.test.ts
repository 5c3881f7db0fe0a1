import {
  context,
  propagation,
  type Span,
  SpanKind,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ClusterClient, type WorkerSource } from '@rpcnet/cluster-client';
import { ErrorCode, InMemoryTransport, RpcClient, RpcError, RpcServer } from '@rpcnet/core';
import type { Worker, WorkerLease } from '@rpcnet/registry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  traceClusterClientEvents,
  tracingClientInterceptor,
  tracingServerInterceptor,
} from '../src/index.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = tracerProvider.getTracer('test');
const bytes = (value: string) => new TextEncoder().encode(value);

/** A worker source over fixed workers, choosing the first one the call has not excluded. */
function fixedWorkers(addresses: Record<string, string>): WorkerSource {
  const workers = Object.entries(addresses).map(
    ([id, rpcAddress]) =>
      ({ id, rpcAddress, state: 'alive', tags: {}, inFlight: 0 }) as unknown as Worker,
  );
  return {
    workers: () => workers,
    onEvent: () => () => undefined,
    selectWorker: (_filter, options) => {
      const worker = workers.find((candidate) => !options?.exclude?.has(candidate.id));
      if (worker === undefined) throw new Error('no worker left');
      let released = false;
      const lease: WorkerLease = {
        worker,
        get released() {
          return released;
        },
        release: () => {
          const first = !released;
          released = true;
          return first;
        },
      };
      return lease;
    },
  };
}

function withSpan<T>(name: string, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await run(span);
    } finally {
      span.end();
    }
  });
}

describe('OpenTelemetry tracing', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  /** A server whose handler answers with what it saw: the trace metadata and its active span. */
  async function startEchoServer(
    transport: InMemoryTransport,
    options: { tracerProvider?: BasicTracerProvider },
  ) {
    const server = new RpcServer({ transport, interceptors: [tracingServerInterceptor(options)] });
    server.unary('seen', (_request, call) => {
      const active = trace.getActiveSpan()?.spanContext();
      return bytes(
        JSON.stringify({
          metadata: call.metadata,
          traceId: active?.traceId,
          sampled: active === undefined ? undefined : (active.traceFlags & TraceFlags.SAMPLED) > 0,
        }),
      );
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    return `${address.host}:${address.port}`;
  }

  const decoded = (message: Uint8Array) =>
    JSON.parse(new TextDecoder().decode(message)) as {
      metadata: Record<string, string>;
      traceId?: string;
      sampled?: boolean;
    };

  afterAll(() => {
    context.disable();
    propagation.disable();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    exporter.reset();
  });

  async function startWorker(transport: InMemoryTransport, fail: boolean) {
    const server = new RpcServer({
      transport,
      interceptors: [tracingServerInterceptor({ tracerProvider })],
    });
    server.unary('work', (request) => {
      if (fail) throw new RpcError(ErrorCode.UNAVAILABLE, 'worker is draining');
      const active = trace.getActiveSpan()?.spanContext();
      return bytes(`${new TextDecoder().decode(request)}@${active?.traceId}`);
    });
    server.serverStream('ticks', async function* () {
      yield bytes(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
    });
    const address = await server.start();
    cleanups.push(() => server.stop({ graceMs: 0 }));
    return `${address.host}:${address.port}`;
  }

  const spans = (kind: SpanKind): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((span) => span.kind === kind);

  it('follows a call with one trace through a failover: client spans per attempt, the event, the worker that answered', async () => {
    const transport = new InMemoryTransport();
    const failing = await startWorker(transport, true);
    const healthy = await startWorker(transport, false);
    const client = new ClusterClient(fixedWorkers({ w1: failing, w2: healthy }), {
      connect: (worker) =>
        RpcClient.connect(worker.rpcAddress, {
          transport,
          interceptors: [tracingClientInterceptor({ tracerProvider })],
        }),
    });
    cleanups.push(() => client.close());
    const unsubscribe = traceClusterClientEvents(client);
    cleanups.push(async () => unsubscribe());

    const { answer, traceId } = await withSpan('checkout', async (span) => ({
      answer: new TextDecoder().decode(
        await client.callWorker('work', bytes('job'), undefined, { idempotent: true }),
      ),
      traceId: span.spanContext().traceId,
    }));
    expect(answer).toBe(`job@${traceId}`);

    const root = exporter.getFinishedSpans().find((span) => span.name === 'checkout')!;
    const clientSpans = spans(SpanKind.CLIENT);
    const serverSpans = spans(SpanKind.SERVER);
    expect(clientSpans).toHaveLength(2);
    expect(serverSpans).toHaveLength(2);
    for (const span of [...clientSpans, ...serverSpans]) {
      expect(span.spanContext().traceId).toBe(traceId);
    }
    for (const span of clientSpans) {
      expect(span.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    }
    // Each server span is the child of the client span of its attempt.
    const clientIds = new Set(clientSpans.map((span) => span.spanContext().spanId));
    for (const span of serverSpans)
      expect(clientIds.has(span.parentSpanContext!.spanId)).toBe(true);
    expect(clientSpans.map((span) => span.attributes['rpc.response.status_code'])).toEqual([
      'UNAVAILABLE',
      'OK',
    ]);
    expect(clientSpans[0]!.status.code).toBe(2);
    expect(clientSpans[0]!.attributes['server.port']).toBe(Number(failing.split(':')[1]));
    const failover = root.events.find((event) => event.name === 'rpcnet.failover');
    expect(failover?.attributes).toEqual({
      'rpc.method': 'work',
      'rpcnet.attempt': 2,
      'rpcnet.worker_id': 'w2',
      'rpcnet.previous_worker_id': 'w1',
      'rpc.response.status_code': 'UNAVAILABLE',
    });
  });

  it('keeps the server span active in a streaming handler and ends it when the stream ends', async () => {
    const transport = new InMemoryTransport();
    const address = await startWorker(transport, false);
    const client = await RpcClient.connect(address, {
      transport,
      interceptors: [tracingClientInterceptor({ tracerProvider })],
    });
    cleanups.push(() => client.close());
    const seen: string[] = [];
    await withSpan('stream', async () => {
      for await (const message of client.serverStream('ticks', bytes(''))) {
        seen.push(new TextDecoder().decode(message));
      }
    });
    const server = spans(SpanKind.SERVER);
    expect(server).toHaveLength(1);
    expect(seen).toEqual([server[0]!.spanContext().spanId]);
    expect(server[0]!.attributes['rpcnet.call_kind']).toBe('serverStream');
    expect(spans(SpanKind.CLIENT)[0]!.attributes['rpc.response.status_code']).toBe('OK');
  });

  it('starts a new trace on the server when the call carries no trace context', async () => {
    const transport = new InMemoryTransport();
    const address = await startWorker(transport, false);
    const client = await RpcClient.connect(address, { transport });
    cleanups.push(() => client.close());
    await client.unary('work', bytes('x'), { metadata: { traceparent: 'garbage' } });
    const [server] = spans(SpanKind.SERVER);
    expect(server?.parentSpanContext).toBeUndefined();
    expect(server?.attributes['rpc.method']).toBe('work');
  });

  it('carries an unsampled trace on: the handler runs in its context, and no span is recorded', async () => {
    const unsampled = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const transport = new InMemoryTransport();
    const address = await startEchoServer(transport, { tracerProvider: unsampled });
    const client = await RpcClient.connect(address, {
      transport,
      interceptors: [tracingClientInterceptor({ tracerProvider: unsampled })],
    });
    cleanups.push(() => client.close());
    const seen = decoded(await client.unary('seen', bytes(''), { metadata: { user: 'u1' } }));
    const [, traceId, , flags] = seen.metadata.traceparent!.split('-');
    expect(flags).toBe('00');
    expect(seen.traceId).toBe(traceId);
    expect(seen.sampled).toBe(false);
    expect(seen.metadata.user).toBe('u1');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('leaves the metadata as it is when no tracer provider is registered', async () => {
    const transport = new InMemoryTransport();
    const address = await startEchoServer(transport, {});
    const client = await RpcClient.connect(address, {
      transport,
      interceptors: [tracingClientInterceptor()],
    });
    cleanups.push(() => client.close());
    const seen = decoded(await client.unary('seen', bytes(''), { metadata: { user: 'u1' } }));
    expect(seen.metadata).toEqual({ user: 'u1' });
    expect(seen.traceId).toBeUndefined();
  });

  it('carries the trace with a custom global propagator in its own metadata key', async () => {
    const custom: TextMapPropagator = {
      inject: (active, carrier: Record<string, string>) => {
        const span = trace.getSpanContext(active);
        if (span !== undefined) carrier['x-trace'] = `${span.traceId}.${span.spanId}`;
      },
      extract: (parent, carrier: Record<string, string>) => {
        const [traceId, spanId] = carrier['x-trace']?.split('.') ?? [];
        if (traceId === undefined || spanId === undefined) return parent;
        return trace.setSpanContext(parent, {
          traceId,
          spanId,
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
        });
      },
      fields: () => ['x-trace'],
    };
    propagation.disable();
    propagation.setGlobalPropagator(custom);
    cleanups.push(async () => {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    const transport = new InMemoryTransport();
    const address = await startEchoServer(transport, { tracerProvider });
    const client = await RpcClient.connect(address, {
      transport,
      interceptors: [tracingClientInterceptor({ tracerProvider })],
    });
    cleanups.push(() => client.close());
    const seen = decoded(await client.unary('seen', bytes('')));
    const [clientSpan] = spans(SpanKind.CLIENT);
    const [serverSpan] = spans(SpanKind.SERVER);
    expect(seen.metadata.traceparent).toBeUndefined();
    expect(seen.metadata['x-trace']).toBe(
      `${clientSpan!.spanContext().traceId}.${clientSpan!.spanContext().spanId}`,
    );
    expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
    expect(seen.traceId).toBe(clientSpan!.spanContext().traceId);
  });
});

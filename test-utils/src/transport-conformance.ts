import type {
  CallContext,
  ErrorCode,
  RpcClient,
  RpcClientOptions,
  RpcError,
  RpcServer,
  RpcServerOptions,
  Transport,
} from '@rpcnet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionOf, waitFor } from './wait-for.js';

const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Builds a fresh transport for one test: used by both server and client. */
export type TransportFactory = () => Transport | Promise<Transport>;

/**
 * The `@rpcnet/core` the suite drives, handed in by the caller (its own source or build), so this
 * package needs no dependency on core and core's tests can use it without a dependency cycle.
 */
export interface ConformanceCore {
  readonly RpcServer: typeof RpcServer;
  readonly RpcClient: typeof RpcClient;
  readonly RpcError: typeof RpcError;
  readonly ErrorCode: typeof ErrorCode;
}

/**
 * The RPC behaviour every {@link Transport} must support: every call kind, metadata, deadlines,
 * cancellation from either side, errors, limits, graceful stop, reconnect and 1,000 concurrent
 * calls. Core runs it over its in-memory and QUIC transports; another transport's tests call it at
 * the top level of a test file, passing the core it runs against.
 */
export function runTransportConformance(
  name: string,
  makeTransport: TransportFactory,
  core: ConformanceCore,
): void {
  describe(`RPC conformance over ${name}`, () => {
    const servers: RpcServer[] = [];
    const clients: RpcClient[] = [];

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await Promise.all(servers.splice(0).map((server) => server.stop({ graceMs: 0 })));
    });

    async function serve(
      register: (server: RpcServer) => void,
      options: Omit<RpcServerOptions, 'transport'> = {},
      transport?: Transport,
      port = 0,
    ) {
      const shared = transport ?? (await makeTransport());
      const server = new core.RpcServer({ ...options, transport: shared });
      register(server);
      servers.push(server);
      const address = await server.start({ host: '127.0.0.1', port });
      return { server, address, transport: shared };
    }

    async function connect(
      transport: Transport,
      address: { host: string; port: number },
      options: Omit<RpcClientOptions, 'transport'> = {},
    ): Promise<RpcClient> {
      const client = await core.RpcClient.connect(address, { ...options, transport });
      clients.push(client);
      return client;
    }

    async function setup(
      register: (server: RpcServer) => void,
      options: Omit<RpcServerOptions, 'transport'> = {},
    ) {
      const { server, address, transport } = await serve(register, options);
      const client = await connect(transport, address);
      return { server, client, address, transport };
    }

    /** A handler that parks until its signal aborts, recording the signal. */
    function parking(signals: AbortSignal[]) {
      return (_request: Uint8Array, ctx: CallContext) =>
        new Promise<Uint8Array>((_resolve, reject) => {
          signals.push(ctx.signal);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        });
    }

    it('answers a unary call and hands request metadata to the handler', async () => {
      const seen: CallContext[] = [];
      const { client } = await setup((server) =>
        server.unary('echo', (request, ctx) => {
          seen.push(ctx);
          return bytes(`${text(request)}:${ctx.metadata['x-id'] ?? 'none'}`);
        }),
      );
      const reply = await client.unary('echo', bytes('hello'), { metadata: { 'x-id': '42' } });
      expect(text(reply)).toBe('hello:42');
      expect(seen[0]?.method).toBe('echo');
      expect(seen[0]?.deadline).toBeUndefined();
      expect(seen[0]?.peer).toMatch(/:\d+$/);
    });

    it('streams server responses in order with headers and trailers', async () => {
      const { client } = await setup((server) =>
        server.serverStream('count', async function* (request, ctx) {
          ctx.setHeader({ kind: 'count' });
          ctx.setTrailer({ total: text(request) });
          for (let i = 0; i < Number(text(request)); i++) yield bytes(String(i));
        }),
      );
      const stream = client.serverStream('count', bytes('1000'));
      const received: string[] = [];
      for await (const message of stream) received.push(text(message));
      expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
      expect(await stream.headers).toEqual({ kind: 'count' });
      expect(await stream.trailers).toEqual({ total: '1000' });
    });

    it('collects a client stream into one response', async () => {
      const { client } = await setup((server) =>
        server.clientStream('sum', async (requests) => {
          let total = 0;
          for await (const request of requests) total += Number(text(request));
          return bytes(String(total));
        }),
      );
      const call = client.clientStream('sum');
      for (let i = 1; i <= 100; i++) await call.send(bytes(String(i)));
      call.end();
      expect(text(await call.response)).toBe('5050');
    });

    it('echoes a bidirectional stream message by message', async () => {
      const { client } = await setup((server) =>
        server.bidiStream('shout', async function* (requests) {
          for await (const request of requests) yield bytes(text(request).toUpperCase());
        }),
      );
      const call = client.bidiStream('shout');
      const iterator = call.responses[Symbol.asyncIterator]();
      for (const word of ['a', 'bc', 'def']) {
        await call.send(bytes(word));
        const next = await iterator.next();
        expect(next.done).toBe(false);
        expect(text(next.value as Uint8Array)).toBe(word.toUpperCase());
      }
      call.end();
      expect((await iterator.next()).done).toBe(true);
    });

    it('reports handler exceptions as INTERNAL without stack traces, and RpcErrors as thrown', async () => {
      const { client } = await setup((server) =>
        server
          .unary('boom', () => {
            throw new Error('disk on fire');
          })
          .unary('denied', () => {
            throw new core.RpcError(core.ErrorCode.FAILED_PRECONDITION, 'not now', {
              details: { retryAfter: '5' },
            });
          }),
      );
      const internal = await rejectionOf(client.unary('boom', bytes('')));
      expect(internal).toBeInstanceOf(core.RpcError);
      expect((internal as RpcError).code).toBe(core.ErrorCode.INTERNAL);
      expect((internal as RpcError).message).toBe('disk on fire');
      expect((internal as RpcError).message).not.toMatch(/\bat\s/);
      expect((internal as RpcError).notProcessed).toBe(false);
      const denied = (await rejectionOf(client.unary('denied', bytes('')))) as RpcError;
      expect(denied.code).toBe(core.ErrorCode.FAILED_PRECONDITION);
      expect(denied.details).toEqual({ retryAfter: '5' });
    });

    it('fails an unknown method with NOT_FOUND, marked not processed', async () => {
      const { client, server } = await setup(() => undefined);
      const error = (await rejectionOf(client.unary('nope', bytes('')))) as RpcError;
      expect(error.code).toBe(core.ErrorCode.NOT_FOUND);
      expect(error.notProcessed).toBe(true);
      expect(server.metrics.callsRejected).toBe(1);
    });

    it('expires a call at its deadline and releases it on both sides', async () => {
      const signals: AbortSignal[] = [];
      const { client, server } = await setup((s) => s.unary('park', parking(signals)));
      const error = (await rejectionOf(
        client.unary('park', bytes(''), { timeoutMs: 100 }),
      )) as RpcError;
      expect(error.code).toBe(core.ErrorCode.DEADLINE_EXCEEDED);
      expect(client.inFlight).toBe(0);
      await waitFor(() => server.metrics.activeCalls === 0, { message: 'server call released' });
      expect(signals[0]?.aborted).toBe(true);
      expect(signals[0]?.reason).toMatchObject({ code: core.ErrorCode.DEADLINE_EXCEEDED });
    });

    it('cancels from the client with an AbortSignal and aborts the handler', async () => {
      const signals: AbortSignal[] = [];
      const { client, server } = await setup((s) => s.unary('park', parking(signals)));
      const abort = new AbortController();
      const pending = client.unary('park', bytes(''), { signal: abort.signal });
      await waitFor(() => signals.length === 1, { message: 'handler started' });
      abort.abort();
      const error = (await rejectionOf(pending)) as RpcError;
      expect(error.code).toBe(core.ErrorCode.CANCELLED);
      expect(client.inFlight).toBe(0);
      await waitFor(() => signals[0]?.aborted === true, { message: 'handler signal aborted' });
      await waitFor(() => server.metrics.activeCalls === 0, { message: 'server call released' });
    });

    it('cancels a server stream when the client stops iterating', async () => {
      const signals: AbortSignal[] = [];
      // A small window bounds what the producer queues before the CANCEL gets through.
      const { client, server } = await setup(
        (s) =>
          s.serverStream('forever', async function* (_request, ctx) {
            signals.push(ctx.signal);
            for (let i = 0; !ctx.signal.aborted; i++) yield bytes(String(i));
          }),
        { limits: { initialWindowBytes: 64 * 1024, writeHighWaterBytes: 64 * 1024 } },
      );
      let seen = 0;
      for await (const _message of client.serverStream('forever', bytes(''))) {
        seen += 1;
        if (seen === 10) break;
      }
      expect(client.inFlight).toBe(0);
      await waitFor(() => signals[0]?.aborted === true, { message: 'handler signal aborted' });
      await waitFor(() => server.metrics.activeCalls === 0, { message: 'server call released' });
    });

    it('lets the server end a stream with an error after some messages', async () => {
      const { client } = await setup((s) =>
        s.serverStream('partial', async function* () {
          yield bytes('one');
          yield bytes('two');
          throw new core.RpcError(core.ErrorCode.CANCELLED, 'server gave up');
        }),
      );
      const received: string[] = [];
      const stream = client.serverStream('partial', bytes(''));
      const error = (await rejectionOf(
        (async () => {
          for await (const message of stream) received.push(text(message));
        })(),
      )) as RpcError;
      expect(received).toEqual(['one', 'two']);
      expect(error.code).toBe(core.ErrorCode.CANCELLED);
      expect(error.message).toBe('server gave up');
      expect(client.inFlight).toBe(0);
    });

    it('rejects oversized requests and responses with RESOURCE_EXHAUSTED', async () => {
      const limits = { maxFrameBytes: 64 * 1024 };
      const { client, server, transport } = await setup(
        (s) =>
          s.unary('echo', (request) => request).unary('inflate', () => new Uint8Array(100 * 1024)),
        { limits },
      );
      const tooBig = (await rejectionOf(
        client.unary('echo', new Uint8Array(64 * 1024 + 1)),
      )) as RpcError;
      expect(tooBig.code).toBe(core.ErrorCode.RESOURCE_EXHAUSTED);
      expect(tooBig.notProcessed).toBe(true);
      expect((await client.unary('echo', new Uint8Array(64 * 1024))).length).toBe(64 * 1024);
      const clientLimited = await connect(transport, server.address!, { limits });
      const inflated = (await rejectionOf(clientLimited.unary('inflate', bytes('')))) as RpcError;
      expect(inflated.code).toBe(core.ErrorCode.RESOURCE_EXHAUSTED);
      const streamed = client.clientStream('echo');
      const sendError = (await rejectionOf(
        streamed.send(new Uint8Array(64 * 1024 + 1)),
      )) as RpcError;
      expect(sendError.code).toBe(core.ErrorCode.RESOURCE_EXHAUSTED);
    });

    it('refuses calls beyond maxConcurrentCalls with RESOURCE_EXHAUSTED', async () => {
      const signals: AbortSignal[] = [];
      const { client } = await setup((s) => s.unary('park', parking(signals)), {
        limits: { maxConcurrentCalls: 2 },
      });
      const abort = new AbortController();
      const parked = [1, 2].map(() => client.unary('park', bytes(''), { signal: abort.signal }));
      const third = (await rejectionOf(client.unary('park', bytes('')))) as RpcError;
      expect(third.code).toBe(core.ErrorCode.RESOURCE_EXHAUSTED);
      expect(third.notProcessed).toBe(true);
      abort.abort();
      await Promise.allSettled(parked);
    });

    it('applies flow control: a slow consumer holds back a fast producer', async () => {
      const windowBytes = 16 * 1024;
      let produced = 0;
      const { transport, address } = await serve(
        (s) =>
          s.serverStream('flood', async function* () {
            for (let i = 0; i < 200; i++) {
              produced += 1;
              yield new Uint8Array(1024);
            }
          }),
        { limits: { initialWindowBytes: windowBytes, writeHighWaterBytes: 1024 } },
      );
      const client = await connect(transport, address, {
        limits: { initialWindowBytes: windowBytes },
      });
      const iterator = client.serverStream('flood', bytes(''))[Symbol.asyncIterator]();
      await iterator.next();
      await waitFor(() => produced > 10, { message: 'producer started' });
      // The producer may run ahead by the window (16 messages) plus one in flight, never 200.
      const before = produced;
      await new Promise((resolve) => setImmediate(resolve));
      expect(produced).toBeLessThanOrEqual(before + 2);
      expect(produced).toBeLessThan(40);
      let consumed = 1;
      while (!(await iterator.next()).done) consumed += 1;
      expect(consumed).toBe(200);
    });

    it('stops gracefully: in-flight calls finish, new calls are refused', async () => {
      const release: Array<() => void> = [];
      const { client, server } = await setup((s) =>
        s.unary(
          'slow',
          (request) => new Promise<Uint8Array>((resolve) => release.push(() => resolve(request))),
        ),
      );
      const inFlight = client.unary('slow', bytes('done'));
      await waitFor(() => release.length === 1, { message: 'handler started' });
      const stopping = server.stop({ graceMs: 5000 });
      await waitFor(() => client.metrics.inFlight === 1, { message: 'goaway seen' });
      const refused = (await rejectionOf(client.unary('slow', bytes('')))) as RpcError;
      expect(refused.code).toBe(core.ErrorCode.UNAVAILABLE);
      expect(refused.notProcessed).toBe(true);
      release[0]?.();
      expect(text(await inFlight)).toBe('done');
      await stopping;
      await waitFor(() => client.closed, { message: 'client closed' });
    });

    it('fails calls still running when the grace period ends with UNAVAILABLE', async () => {
      const signals: AbortSignal[] = [];
      const { client, server } = await setup((s) => s.unary('park', parking(signals)));
      const pending = rejectionOf(client.unary('park', bytes('')));
      await waitFor(() => signals.length === 1, { message: 'handler started' });
      await server.stop({ graceMs: 20 });
      const error = (await pending) as RpcError;
      expect(error.code).toBe(core.ErrorCode.UNAVAILABLE);
      expect(signals[0]?.aborted).toBe(true);
      expect(server.metrics.activeCalls).toBe(0);
    });

    it('fails in-flight calls promptly when the connection is lost, and reconnects after a restart', async () => {
      const signals: AbortSignal[] = [];
      const { client, server, address, transport } = await setup((s) =>
        s.unary('park', parking(signals)).unary('echo', (request) => request),
      );
      const closedWith: Array<Error | undefined> = [];
      client.onClose((error) => closedWith.push(error));
      const pending = rejectionOf(client.unary('park', bytes('')));
      await waitFor(() => signals.length === 1, { message: 'handler started' });
      await server.stop({ graceMs: 0 });
      const error = (await pending) as RpcError;
      expect(error.code).toBe(core.ErrorCode.UNAVAILABLE);
      await waitFor(() => client.closed && closedWith.length === 1, { message: 'client closed' });
      const afterClose = (await rejectionOf(client.unary('echo', bytes('')))) as RpcError;
      expect(afterClose.code).toBe(core.ErrorCode.UNAVAILABLE);
      expect(afterClose.notProcessed).toBe(true);

      const { address: again } = await serve(
        (s) => s.unary('echo', (request) => request),
        {},
        transport,
        address.port,
      );
      expect(again).toEqual(address);
      const restarted = await connect(transport, again);
      expect(text(await restarted.unary('echo', bytes('back')))).toBe('back');
    });

    it('answers 1,000 concurrent calls on one connection correctly', async () => {
      const { client } = await setup((s) =>
        s.unary('double', (request) => bytes(String(Number(text(request)) * 2))),
      );
      const replies = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => client.unary('double', bytes(String(i)))),
      );
      replies.forEach((reply, i) => {
        expect(text(reply)).toBe(String(i * 2));
      });
      expect(client.inFlight).toBe(0);
    });
  });
}
